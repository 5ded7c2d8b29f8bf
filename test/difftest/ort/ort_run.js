// Runs ONNX models with onnxruntime-node (the second oracle of
// test/difftest, docs/difftest.md).
//   node ort_run.js jobs.json
// jobs.json: [{"model": "m.onnx", "input": "x", "shape": [..],
//              "runs": [["in.bin", "out.bin"], ...]}, ...]
// Inputs and outputs are raw little-endian float32 (the first output).
// Prints "ok <model>" or "error <model>: <message>" per job.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      const session = await ort.InferenceSession.create(job.model, {
        graphOptimizationLevel: 'disabled', intraOpNumThreads: 1,
        interOpNumThreads: 1, executionMode: 'sequential'});
      for (const [inFile, outFile] of job.runs) {
        const buf = fs.readFileSync(inFile);
        const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
        const feeds = {};
        feeds[job.input] = new ort.Tensor('float32', Float32Array.from(data), job.shape);
        const res = await session.run(feeds);
        const out = res[session.outputNames[0]].data;
        fs.writeFileSync(outFile, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
      }
      console.log('ok ' + job.model);
    } catch (e) {
      console.log('error ' + job.model + ': ' + String(e.message || e).split('\n')[0]);
    }
  }
}
main();
