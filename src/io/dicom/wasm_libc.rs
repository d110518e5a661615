//! C library shims for wasm32-unknown-unknown, needed by the JPEG 2000 decoder.
//!
//! `openjp2` (the pure-Rust port of OpenJPEG used by dicom-pixeldata) still calls the C
//! allocator and `strcpy`. wasm32-unknown-unknown has no libc, so the module would import them
//! from "env" and fail to instantiate in the browser. These definitions satisfy those imports
//! with Rust's allocator; each block keeps its size in a 16-byte header so `free` and `realloc`
//! can rebuild the layout.
//!
//! openjp2 also frees a null pointer on one clean-up path
//! (`opj_tcd_code_block_dec_deallocate`), which traps in the wasm allocator; the global
//! allocator below ignores null and zero-size deallocations and otherwise forwards to the
//! system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_char, c_void};
use std::ptr::null_mut;

/// Size of the header that stores each block's total size (keeps 16-byte alignment).
const HEADER: usize = 16;
const ALIGN: usize = 16;

/// System allocator that ignores deallocation of null pointers and zero-size blocks.
struct NullTolerant;

// SAFETY: forwards to `System`, whose contract is unchanged; skipping a dealloc of a null
// pointer or a zero-size layout never frees memory that is still in use.
unsafe impl GlobalAlloc for NullTolerant {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr.is_null() || layout.size() == 0 {
            return;
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: NullTolerant = NullTolerant;

fn block_layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, ALIGN).ok()
}

/// Allocate `size` bytes after a header holding the total size.
unsafe fn alloc_block(size: usize, zeroed: bool) -> *mut c_void {
    let Some(layout) = block_layout(size) else {
        return null_mut();
    };
    // SAFETY: the layout has a non-zero size (HEADER > 0).
    let base = unsafe {
        if zeroed {
            std::alloc::alloc_zeroed(layout)
        } else {
            std::alloc::alloc(layout)
        }
    };
    if base.is_null() {
        return null_mut();
    }
    // SAFETY: the block is at least HEADER bytes and 16-aligned.
    unsafe {
        (base as *mut usize).write(layout.size());
        base.add(HEADER) as *mut c_void
    }
}

/// C `malloc`.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    unsafe { alloc_block(size, false) }
}

/// C `calloc`.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    match count.checked_mul(size) {
        Some(total) => unsafe { alloc_block(total, true) },
        None => null_mut(),
    }
}

/// C `free` (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `ptr` came from `alloc_block`, so the header sits HEADER bytes before it.
    unsafe {
        let base = (ptr as *mut u8).sub(HEADER);
        let total = (base as *const usize).read();
        std::alloc::dealloc(base, Layout::from_size_align_unchecked(total, ALIGN));
    }
}

/// C `realloc`.
#[no_mangle]
pub unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    if ptr.is_null() {
        return unsafe { malloc(size) };
    }
    if size == 0 {
        unsafe { free(ptr) };
        return null_mut();
    }
    let Some(new_layout) = block_layout(size) else {
        return null_mut();
    };
    // SAFETY: `ptr` came from `alloc_block`; the header gives the old layout.
    unsafe {
        let base = (ptr as *mut u8).sub(HEADER);
        let total = (base as *const usize).read();
        let old = Layout::from_size_align_unchecked(total, ALIGN);
        let new_base = std::alloc::realloc(base, old, new_layout.size());
        if new_base.is_null() {
            return null_mut();
        }
        (new_base as *mut usize).write(new_layout.size());
        new_base.add(HEADER) as *mut c_void
    }
}

/// C `strcpy`.
#[no_mangle]
pub unsafe extern "C" fn strcpy(dst: *mut c_char, src: *const c_char) -> *mut c_char {
    let mut i = 0;
    // SAFETY: C contract: `src` is NUL-terminated and `dst` is large enough.
    unsafe {
        loop {
            let c = *src.add(i);
            *dst.add(i) = c;
            if c == 0 {
                break;
            }
            i += 1;
        }
    }
    dst
}
