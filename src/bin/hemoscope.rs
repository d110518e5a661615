//! The `hemoscope` command-line tool over the same library the app uses.

fn main() {
    eprintln!("hemoscope: no commands yet");
    std::process::exit(2);
}
