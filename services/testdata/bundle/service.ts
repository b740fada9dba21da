// service.ts: a small Cozy app service written the modern way, bundled for
// the goja sandbox. The committed service.bundle.js was built from this file
// in a scratch directory with esbuild 0.25.x:
//
//   npx esbuild@0.25.10 service.ts --bundle --target=es2017 --format=iife \
//     --outfile=service.bundle.js
//
// It pages through the operations of the instance with an async generator,
// sums them, and writes one summary document back.

interface Operation {
  _id: string;
  amount: number;
  label?: string;
}

interface Page {
  rows: Operation[];
  next?: string | null;
}

class Client {
  static readonly doctype = "io.cozy.bank.operations";
  #base: string;
  #token: string;

  constructor(base: string, token: string) {
    this.#base = base.replace(/\/$/, "");
    this.#token = token;
  }

  async #get<T>(path: string): Promise<T> {
    const res = await fetch(this.#base + path, {
      headers: { Authorization: `Bearer ${this.#token}`, Accept: "application/json" },
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  async *operations(): AsyncGenerator<Operation> {
    let cursor: string | null | undefined = "";
    while (cursor !== null && cursor !== undefined) {
      const page: Page = await this.#get<Page>(`/data/${Client.doctype}/_page?cursor=${cursor}`);
      yield* page.rows;
      cursor = page.next ?? null;
    }
  }

  async save(doctype: string, doc: Record<string, unknown>): Promise<number> {
    const res = await fetch(`${this.#base}/data/${doctype}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.#token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ...doc, createdBy: "bundle-service" }),
    });
    return res.status;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const client = new Client(process.env.COZY_URL ?? "", process.env.COZY_CREDENTIALS ?? "");
  const trigger = JSON.parse(process.env.COZY_COUCH_DOC || "{}");
  let total = 0;
  let count = 0;
  for await (const op of client.operations()) {
    total += op.amount;
    count++;
    console.debug(`op ${op._id} ${op.label?.toUpperCase() ?? "(no label)"}`);
  }
  await sleep(5);
  const status = await client.save("io.cozy.bank.summaries", { total, count, trigger: trigger?._id });
  console.log(`saved summary of ${count} operations: ${status}`);
}

main().catch((err) => {
  console.error("service failed:", err);
  process.exit(1);
});
