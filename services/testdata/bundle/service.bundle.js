// Built by esbuild 0.25.10 from service.ts (see the command at the top of that file). Do not edit.
(() => {
  var __defProp = Object.defineProperty;
  var __defProps = Object.defineProperties;
  var __getOwnPropDescs = Object.getOwnPropertyDescriptors;
  var __getOwnPropSymbols = Object.getOwnPropertySymbols;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __propIsEnum = Object.prototype.propertyIsEnumerable;
  var __knownSymbol = (name, symbol) => (symbol = Symbol[name]) ? symbol : Symbol.for("Symbol." + name);
  var __typeError = (msg) => {
    throw TypeError(msg);
  };
  var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
  var __spreadValues = (a, b) => {
    for (var prop in b || (b = {}))
      if (__hasOwnProp.call(b, prop))
        __defNormalProp(a, prop, b[prop]);
    if (__getOwnPropSymbols)
      for (var prop of __getOwnPropSymbols(b)) {
        if (__propIsEnum.call(b, prop))
          __defNormalProp(a, prop, b[prop]);
      }
    return a;
  };
  var __spreadProps = (a, b) => __defProps(a, __getOwnPropDescs(b));
  var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);
  var __accessCheck = (obj, member, msg) => member.has(obj) || __typeError("Cannot " + msg);
  var __privateGet = (obj, member, getter) => (__accessCheck(obj, member, "read from private field"), getter ? getter.call(obj) : member.get(obj));
  var __privateAdd = (obj, member, value) => member.has(obj) ? __typeError("Cannot add the same private member more than once") : member instanceof WeakSet ? member.add(obj) : member.set(obj, value);
  var __privateSet = (obj, member, value, setter) => (__accessCheck(obj, member, "write to private field"), setter ? setter.call(obj, value) : member.set(obj, value), value);
  var __privateMethod = (obj, member, method) => (__accessCheck(obj, member, "access private method"), method);
  var __await = function(promise, isYieldStar) {
    this[0] = promise;
    this[1] = isYieldStar;
  };
  var __asyncGenerator = (__this, __arguments, generator) => {
    var resume = (k, v, yes, no) => {
      try {
        var x = generator[k](v), isAwait = (v = x.value) instanceof __await, done = x.done;
        Promise.resolve(isAwait ? v[0] : v).then((y) => isAwait ? resume(k === "return" ? k : "next", v[1] ? { done: y.done, value: y.value } : y, yes, no) : yes({ value: y, done })).catch((e) => resume("throw", e, yes, no));
      } catch (e) {
        no(e);
      }
    }, method = (k) => it[k] = (x) => new Promise((yes, no) => resume(k, x, yes, no)), it = {};
    return generator = generator.apply(__this, __arguments), it[__knownSymbol("asyncIterator")] = () => it, method("next"), method("throw"), method("return"), it;
  };
  var __yieldStar = (value) => {
    var obj = value[__knownSymbol("asyncIterator")], isAwait = false, method, it = {};
    if (obj == null) {
      obj = value[__knownSymbol("iterator")]();
      method = (k) => it[k] = (x) => obj[k](x);
    } else {
      obj = obj.call(value);
      method = (k) => it[k] = (v) => {
        if (isAwait) {
          isAwait = false;
          if (k === "throw") throw v;
          return v;
        }
        isAwait = true;
        return {
          done: false,
          value: new __await(new Promise((resolve) => {
            var x = obj[k](v);
            if (!(x instanceof Object)) __typeError("Object expected");
            resolve(x);
          }), 1)
        };
      };
    }
    return it[__knownSymbol("iterator")] = () => it, method("next"), "throw" in obj ? method("throw") : it.throw = (x) => {
      throw x;
    }, "return" in obj && method("return"), it;
  };
  var __forAwait = (obj, it, method) => (it = obj[__knownSymbol("asyncIterator")]) ? it.call(obj) : (obj = obj[__knownSymbol("iterator")](), it = {}, method = (key, fn) => (fn = obj[key]) && (it[key] = (arg) => new Promise((yes, no, done) => (arg = fn.call(obj, arg), done = arg.done, Promise.resolve(arg.value).then((value) => yes({ value, done }), no)))), method("next"), method("return"), it);

  // service.ts
  var _base, _token, _Client_instances, get_fn;
  var _Client = class _Client {
    constructor(base, token) {
      __privateAdd(this, _Client_instances);
      __privateAdd(this, _base);
      __privateAdd(this, _token);
      __privateSet(this, _base, base.replace(/\/$/, ""));
      __privateSet(this, _token, token);
    }
    operations() {
      return __asyncGenerator(this, null, function* () {
        var _a;
        let cursor = "";
        while (cursor !== null && cursor !== void 0) {
          const page = yield new __await(__privateMethod(this, _Client_instances, get_fn).call(this, `/data/${_Client.doctype}/_page?cursor=${cursor}`));
          yield* __yieldStar(page.rows);
          cursor = (_a = page.next) != null ? _a : null;
        }
      });
    }
    async save(doctype, doc) {
      const res = await fetch(`${__privateGet(this, _base)}/data/${doctype}/`, {
        method: "POST",
        headers: { Authorization: `Bearer ${__privateGet(this, _token)}`, "Content-Type": "application/json" },
        body: JSON.stringify(__spreadProps(__spreadValues({}, doc), { createdBy: "bundle-service" }))
      });
      return res.status;
    }
  };
  _base = new WeakMap();
  _token = new WeakMap();
  _Client_instances = new WeakSet();
  get_fn = async function(path) {
    const res = await fetch(__privateGet(this, _base) + path, {
      headers: { Authorization: `Bearer ${__privateGet(this, _token)}`, Accept: "application/json" }
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return await res.json();
  };
  __publicField(_Client, "doctype", "io.cozy.bank.operations");
  var Client = _Client;
  var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function main() {
    var _a, _b, _c, _d;
    const client = new Client((_a = process.env.COZY_URL) != null ? _a : "", (_b = process.env.COZY_CREDENTIALS) != null ? _b : "");
    const trigger = JSON.parse(process.env.COZY_COUCH_DOC || "{}");
    let total = 0;
    let count = 0;
    try {
      for (var iter = __forAwait(client.operations()), more, temp, error; more = !(temp = await iter.next()).done; more = false) {
        const op = temp.value;
        total += op.amount;
        count++;
        console.debug(`op ${op._id} ${(_d = (_c = op.label) == null ? void 0 : _c.toUpperCase()) != null ? _d : "(no label)"}`);
      }
    } catch (temp) {
      error = [temp];
    } finally {
      try {
        more && (temp = iter.return) && await temp.call(iter);
      } finally {
        if (error)
          throw error[0];
      }
    }
    await sleep(5);
    const status = await client.save("io.cozy.bank.summaries", { total, count, trigger: trigger == null ? void 0 : trigger._id });
    console.log(`saved summary of ${count} operations: ${status}`);
  }
  main().catch((err) => {
    console.error("service failed:", err);
    process.exit(1);
  });
})();
