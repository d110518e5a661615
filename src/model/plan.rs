//! Inference plans: an ONNX model loaded with tract, its f16 weights widened to f32, its input
//! shape fixed from the card, optimised once and run one slice at a time.

use tract_onnx::pb::{self, tensor_proto::DataType};
use tract_onnx::prelude::*;

use super::card::ModelCard;
use crate::{Error, Result};

type Runnable = std::sync::Arc<TypedSimplePlan>;

/// A loaded, optimised model ready to run slices.
pub struct Plan {
    runnable: Runnable,
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
    /// Shape of the second output when the card declares `onnx.slice_output`.
    slice_output_shape: Option<Vec<usize>>,
}

fn model_err(what: &str, e: impl std::fmt::Display) -> Error {
    // `{:#}` prints tract's whole context chain (it names the node that failed).
    Error::Model(format!("{what}: {e:#}"))
}

/// Replace every `Cast(to=float)` of an f16 initializer by an f32 initializer of the cast's
/// output name. tract does not constant-fold large casts, so without this the weights would
/// be converted on every run. Returns the number of tensors widened.
pub fn widen_f16_initializers(model: &mut pb::ModelProto) -> Result<usize> {
    let Some(graph) = model.graph.as_mut() else {
        return Err(Error::Model("the ONNX file has no graph".into()));
    };
    let mut widened = 0;
    let mut keep = Vec::with_capacity(graph.node.len());
    for node in std::mem::take(&mut graph.node) {
        let is_float_cast = node.op_type == "Cast"
            && node.input.len() == 1
            && node.output.len() == 1
            && node
                .attribute
                .iter()
                .any(|a| a.name == "to" && a.i == DataType::Float as i64);
        let init = if is_float_cast {
            graph
                .initializer
                .iter()
                .position(|t| t.name == node.input[0] && t.data_type == DataType::Float16 as i32)
        } else {
            None
        };
        match init {
            Some(pos) => {
                let src = &graph.initializer[pos];
                let halves: Vec<u16> = if !src.raw_data.is_empty() {
                    src.raw_data
                        .chunks_exact(2)
                        .map(|b| u16::from_le_bytes([b[0], b[1]]))
                        .collect()
                } else {
                    src.int32_data.iter().map(|&v| v as u16).collect()
                };
                let mut raw = Vec::with_capacity(halves.len() * 4);
                for h in halves {
                    raw.extend_from_slice(&f16::from_bits(h).to_f32().to_le_bytes());
                }
                let wide = pb::TensorProto {
                    dims: src.dims.clone(),
                    data_type: DataType::Float as i32,
                    name: node.output[0].clone(),
                    raw_data: raw,
                    ..Default::default()
                };
                graph.initializer.push(wide);
                widened += 1;
            }
            None => keep.push(node),
        }
    }
    graph.node = keep;
    // drop f16 initializers nothing reads any more
    let used: std::collections::HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .collect();
    graph
        .initializer
        .retain(|t| t.data_type != DataType::Float16 as i32 || used.contains(&t.name));
    Ok(widened)
}

impl Plan {
    /// Load ONNX bytes described by `card`: widen f16 weights, fix the input shape, optimise.
    pub fn load(onnx_bytes: &[u8], card: &ModelCard) -> Result<Plan> {
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut &onnx_bytes[..])
            .map_err(|e| model_err(&format!("cannot read the ONNX file of {}", card.name), e))?;
        widen_f16_initializers(&mut proto)?;
        let input_shape = card.onnx.input.shape.clone();
        let optimized = onnx
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact(&input_shape).into()))
            .and_then(|m| m.into_optimized())
            .map_err(|e| {
                model_err(
                    &format!(
                        "tract could not load and optimise {} for input {:?}",
                        card.name, input_shape
                    ),
                    e,
                )
            })?;
        let concrete_output = |i: usize| {
            optimized
                .output_fact(i)
                .ok()
                .and_then(|f| f.shape.as_concrete().map(|s| s.to_vec()))
        };
        let out_shape = concrete_output(0);
        let slice_output_shape = card.onnx.slice_output.as_ref().map(|o| o.shape.clone());
        if let Some(want) = &slice_output_shape {
            let got = concrete_output(1);
            if got.as_ref() != Some(want) {
                return Err(Error::Model(format!(
                    "{}: its card declares a second output (onnx.slice_output) of shape \
                     {want:?}, the model gives {got:?}",
                    card.name
                )));
            }
        }
        if let Some(got) = out_shape.filter(|s| *s != card.onnx.output.shape) {
            return Err(Error::Model(format!(
                "{} gives an output of shape {got:?} for input {input_shape:?}; its card's \
                 onnx.output.shape says {:?}",
                card.name, card.onnx.output.shape
            )));
        }
        let model = optimized
            .into_runnable()
            .map_err(|e| model_err(&format!("cannot prepare {}", card.name), e))?;
        Ok(Plan {
            runnable: model,
            input_shape,
            output_shape: card.onnx.output.shape.clone(),
            slice_output_shape,
        })
    }

    /// The static input shape (NCHW, batch 1).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// The output shape the card promises.
    pub fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    /// Run one input tensor (flat NCHW) and return the flat output (raw logits).
    pub fn run(&self, input: Vec<f32>) -> Result<Vec<f32>> {
        Ok(self.run_with_slice_output(input)?.0)
    }

    /// Run one input and return the main output and, when the card declares one, the second
    /// output (`onnx.slice_output`: the slice head's logits), both flat.
    pub fn run_with_slice_output(&self, input: Vec<f32>) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
        let tensor = Tensor::from_shape(&self.input_shape, &input)
            .map_err(|e| model_err("input tensor does not match the model", e))?;
        let out = self
            .runnable
            .run(tvec!(tensor.into()))
            .map_err(|e| model_err("inference failed", e))?;
        let flat = |i: usize, shape: &[usize]| -> Result<Vec<f32>> {
            let t = out
                .get(i)
                .ok_or_else(|| Error::Model(format!("the model returned no output {i}")))?;
            if t.shape() != shape {
                return Err(Error::Model(format!(
                    "the model's output {i} has shape {:?}, its card says {shape:?}",
                    t.shape()
                )));
            }
            let view = t
                .to_plain_array_view::<f32>()
                .map_err(|e| model_err("the model output is not f32", e))?;
            Ok(view.iter().copied().collect())
        };
        let main = flat(0, &self.output_shape)?;
        let head = match &self.slice_output_shape {
            Some(shape) => Some(flat(1, shape)?),
            None => None,
        };
        Ok((main, head))
    }

    /// One line per node of the optimised graph: its name, operator and tract's own
    /// description (for matrix products this names the kernel tract chose, e.g.
    /// `wasm_f32_8x8`). For benchmarks and diagnostics.
    pub fn describe(&self) -> Vec<String> {
        let model = self.runnable.model();
        model
            .eval_order()
            .unwrap_or_default()
            .into_iter()
            .map(|id| {
                let node = &model.nodes()[id];
                let info = node.op.info().unwrap_or_default().join("; ");
                format!("{} [{}] {}", node.name, node.op.name(), info)
            })
            .collect()
    }

    /// Run one input and time every node with `now` (milliseconds): total time and calls per
    /// operator name. For benchmarks (where the time goes inside a model).
    pub fn profile(
        &self,
        input: Vec<f32>,
        now: &dyn Fn() -> f64,
    ) -> Result<std::collections::BTreeMap<String, (f64, usize)>> {
        let tensor = Tensor::from_shape(&self.input_shape, &input)
            .map_err(|e| model_err("input tensor does not match the model", e))?;
        let mut state = self
            .runnable
            .spawn()
            .map_err(|e| model_err("cannot start the model", e))?;
        let mut times = std::collections::BTreeMap::<String, (f64, usize)>::new();
        state
            .run_plan_with_eval(tvec!(tensor.into()), |ctx, op_state, node, inputs| {
                let t0 = now();
                let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                let e = times.entry(node.op.name().to_string()).or_default();
                e.0 += now() - t0;
                e.1 += 1;
                out
            })
            .map_err(|e| model_err("inference failed", e))?;
        Ok(times)
    }

    /// Run the card's known-answer test vector and compare with the expected outputs.
    pub fn self_test(&self, card: &ModelCard) -> Result<()> {
        let tv = card.required_test_vector()?;
        let n: usize = tv.input_shape.iter().product();
        let (out, head) = self.run_with_slice_output(super::test_vector::input(tv.seed, n))?;
        super::test_vector::check(tv, &out)?;
        match (&tv.slice_output_values, head) {
            (Some(want), Some(got)) => super::test_vector::check_values(tv, want, &got),
            (Some(_), None) => Err(Error::Model(format!(
                "{}: its test vector has slice_output_values but the card declares no \
                 onnx.slice_output",
                card.name
            ))),
            (None, _) => Ok(()),
        }
    }
}
