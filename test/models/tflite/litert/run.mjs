// node run.mjs MODEL.tflite INPUT.bin D0 D1 ...: runs a .tflite model with
// LiteRT.js (the TFLite interpreter with XNNPack kernels, compiled to
// WebAssembly) on one float32 input of shape D0 x D1 x ... and prints each
// output as a JSON array. LiteRT.js is made for browsers; its script loader
// is replaced here by vm.runInThisContext so that it runs under Node.
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import {createRequire} from 'module';

const here = path.dirname(new URL(import.meta.url).pathname);
globalThis.self = globalThis;
globalThis.require = createRequire(import.meta.url);
globalThis.__dirname = path.join(here, 'node_modules/@litertjs/core/wasm');
globalThis.importScripts = (url) => {
  const file = url.startsWith('file:') ? new URL(url).pathname : url;
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), {filename: file});
};

const {loadLiteRt, loadAndCompile, Tensor} = await import('@litertjs/core');
const [model, input, ...shape] = process.argv.slice(2);
await loadLiteRt(globalThis.__dirname + '/');
const compiled = await loadAndCompile(new Uint8Array(fs.readFileSync(model)),
                                      {accelerator: 'wasm'});
const x = new Float32Array(new Uint8Array(fs.readFileSync(input)).buffer);
const outputs = await compiled.run(new Tensor(x, shape.map(Number)));
for (const o of outputs)
  process.stdout.write(JSON.stringify(Array.from(o.toTypedArray())) + '\n');
