import { verifyBatch } from "../src/verify/pool.js";
const items = Array.from({length: 200}, (_, k) => ({ gold: "5", pred: `\\boxed{${k}}` }));
let t0 = performance.now();
const r = await verifyBatch(items, { workers: 1 }); console.log(r.slice(0,3).map(x=>JSON.stringify(x)));
console.log("1 worker", (performance.now()-t0).toFixed(0), "ms", r.filter(x=>x.correct).length);
t0 = performance.now();
await verifyBatch(items.slice(0,1), { workers: 1 });
console.log("startup only", (performance.now()-t0).toFixed(0), "ms");
