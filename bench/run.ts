/**
 * `pnpm bench`: partnerd's figures against baselines measured in the same run, medians and ranges over
 * interleaved rounds. `--quick` for a short run (fewer profiles and rounds), `--json [file]` to write
 * `{ scenario: { partnerd, baseline, ratio, target } }` (stdout when no file is given).
 */
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { benchCachedToken } from "./cached-token.ts";
import { benchColdStart } from "./cold-start.ts";
import { benchDurableRefresh } from "./durable-refresh.ts";
import { benchScale } from "./scale.ts";
import { printResult, type Result } from "./stats.ts";
import { benchStores } from "./stores.ts";
import { benchSyscalls } from "./syscalls.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string", multiple: true },
  },
  allowNegative: true,
  strict: false,
});
// `--json` without a value arrives as `true`.
const json = values.json === undefined ? undefined : values.json === true ? "-" : String(values.json);
const quick = values.quick === true;
const only = (values.only as string[] | undefined) ?? [];
const wanted = (name: string) => only.length === 0 || only.includes(name);

const log = json === "-" ? () => undefined : printResult;
const results: Result[] = [];
const add = (r: Result | undefined) => {
  if (!r) return;
  results.push(r);
  log(r);
};

if (json !== "-") {
  console.log(
    `partnerd bench${quick ? " --quick" : ""}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
}
if (wanted("refresh")) {
  const profiles = quick ? 100 : 1000;
  const rounds = quick ? 3 : 5;
  add(await benchDurableRefresh({ profiles, concurrency: 16, rounds }));
  add(await benchDurableRefresh({ profiles: quick ? 50 : 200, concurrency: 1, rounds }));
}
if (wanted("syscalls")) add(await benchSyscalls(quick ? 30 : 200));
if (wanted("cold")) for (const r of await benchColdStart(quick ? 5 : 15)) add(r);
if (wanted("token")) add(await benchCachedToken(quick ? 5 : 15));
if (wanted("scale"))
  for (const r of await benchScale(
    quick ? [100, 1000] : [100, 1000, 10_000],
    quick ? 2 : 3,
    quick ? 2000 : 10_000,
  ))
    add(r);
if (wanted("stores")) {
  const stores = { operations: quick ? 200 : 500, concurrency: 8, rounds: quick ? 5 : 9 };
  for (const r of await benchStores(stores)) add(r);
}

if (json !== undefined) {
  const figures = Object.fromEntries(
    results.map((r) => [
      r.scenario,
      {
        partnerd: r.partnerd,
        baseline: r.baseline ?? null,
        ratio: r.ratio ?? null,
        target: r.target,
        unit: r.unit,
        ...(r.notes ? { notes: r.notes } : {}),
      },
    ]),
  );
  const text = `${JSON.stringify(figures, null, 2)}\n`;
  if (json === "-") process.stdout.write(text);
  else await writeFile(json, text);
}
