// Tries to read a file of the host.
console.log("reading /etc/passwd");
require("fs").readFileSync("/etc/passwd");
