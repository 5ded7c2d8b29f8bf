// Runs one ONNX model with onnxruntime-node and writes its outputs as raw
// little-endian buffers: the reference of the int8 test models
// (test/models/make_int8_models.py, docs/int8.md).
//   NODE_PATH=<dir with onnxruntime-node> node ort_reference.js job.json
// job.json: {"model": "m.onnx", "optimize": "disabled" | "all",
//            "inputs": [{"name", "dtype", "shape", "file"}],
//            "outputs": ["out0.bin", ...],   (files in graph output order)
//            "optimized_model": "opt.onnx"}  (optional: the graph ORT ran)
// dtype: float32, int8, uint8, int32, int64.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const ARRAYS = {float32: Float32Array, int8: Int8Array, uint8: Uint8Array,
                int32: Int32Array, int64: BigInt64Array};

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(job.model, {
    graphOptimizationLevel: job.optimize || 'disabled', intraOpNumThreads: 1,
    interOpNumThreads: 1, executionMode: 'sequential',
    ...(job.optimized_model ? {optimizedModelFilePath: job.optimized_model} : {})});
  const feeds = {};
  for (const input of job.inputs) {
    const buf = fs.readFileSync(input.file);
    const Array_ = ARRAYS[input.dtype];
    const copy = new Uint8Array(buf).buffer;
    feeds[input.name] = new ort.Tensor(input.dtype, new Array_(copy), input.shape);
  }
  const results = await session.run(feeds);
  session.outputNames.forEach((name, i) => {
    const data = results[name].data;
    fs.writeFileSync(job.outputs[i],
                     Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}
main().catch((e) => { console.error(String(e.message || e)); process.exit(1); });
