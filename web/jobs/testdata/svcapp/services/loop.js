// Never ends.
console.log("looping");
while (true) {}
