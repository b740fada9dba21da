// Tries to read the host's environment.
console.log("HOME=" + process.env.HOME);
if (process.env.HOME === undefined) throw new Error("process.env.HOME is not visible");
