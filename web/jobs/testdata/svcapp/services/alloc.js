// Tries to allocate 1 GiB.
const b = new Uint8Array(1 << 30);
b.fill(1);
console.log("allocated " + b.length);
