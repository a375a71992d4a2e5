/**
 * `npm run bench`: workspace scan speed against the bare `yaml` parse of the same files,
 * measured in the same run on the same machine. Prints ratios, not absolute targets.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { scan } from '../../server/src/scan/scanner';
import { writeCorpus } from './corpus';
import { writeEnvironmentCorpus } from './envCorpus';

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function listYaml(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

async function main(): Promise<void> {
  const files = Number(process.env.BENCH_FILES ?? 20000);
  // Outside the repository: the scan honours .gitignore, which lists nothing for a temp folder.
  const dir = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'image-pin-bench-corpus');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-bench-cache-'));
  let t = process.hrtime.bigint();
  const stats = writeCorpus(dir, files);
  console.log(`corpus: ${stats.files} files, ${(stats.bytes / 1024 / 1024).toFixed(1)} MiB (written in ${seconds(t).toFixed(1)} s)`);

  // Baseline: the yaml package alone parsing every file once, on one thread.
  t = process.hrtime.bigint();
  let docs = 0;
  for (const file of listYaml(dir)) docs += parseAllDocuments(fs.readFileSync(file, 'utf8')).length;
  const bare = seconds(t);
  console.log(`bare yaml parse of every file:   ${bare.toFixed(2)} s (${docs} documents)`);

  t = process.hrtime.bigint();
  const cold = await scan([dir], { cacheDir, version: 'bench' });
  const coldS = seconds(t);
  t = process.hrtime.bigint();
  const warm = await scan([dir], { cacheDir, version: 'bench' });
  const warmS = seconds(t);
  t = process.hrtime.bigint();
  await scan([dir], { cacheDir: false, workers: 1 });
  const singleS = seconds(t);

  const same = JSON.stringify(cold.summary) === JSON.stringify(warm.summary);
  console.log(`image-pin cold scan (workers):   ${coldS.toFixed(2)} s  = ${(coldS / bare).toFixed(3)} × bare parse`);
  console.log(`image-pin cold scan (1 thread):  ${singleS.toFixed(2)} s  = ${(singleS / bare).toFixed(3)} × bare parse`);
  console.log(`image-pin warm rescan (cache):   ${warmS.toFixed(2)} s  = ${(warmS / bare).toFixed(3)} × bare parse`);
  console.log(`references found: ${cold.summary.references}, findings: ${cold.summary.findings}; warm result identical: ${same}`);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  if (!same) process.exitCode = 1;

  // The environment model's share of a cold scan: the same scan with and without it, alternated, medians.
  const envDir = process.env.BENCH_ENV_DIR ?? path.join(os.tmpdir(), 'image-pin-bench-env-corpus');
  const envStats = writeEnvironmentCorpus(envDir, Number(process.env.BENCH_SERVICES ?? 1000));
  console.log(`environment corpus: ${envStats.files} files, ${(envStats.bytes / 1024 / 1024).toFixed(1)} MiB`);
  // CPU time (all threads) is reported beside wall time: on a shared machine it is the steadier measure.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  for (const [name, root] of [['GitOps corpus', dir], ['environment corpus', envDir]] as const) {
    const wall: Array<[number, number]> = [];
    const cpus: Array<[number, number]> = [];
    const shares: number[] = [];
    let envs = 0;
    for (let i = 0; i < Number(process.env.BENCH_REPEAT ?? 3); i++) {
      t = process.hrtime.bigint();
      let c = cpu();
      await scan([root], { cacheDir: false, environments: false });
      const a = [seconds(t), cpu() - c];
      t = process.hrtime.bigint();
      c = cpu();
      const r = await scan([root], { cacheDir: false });
      const b = [seconds(t), cpu() - c];
      wall.push([a[0], b[0]]);
      cpus.push([a[1], b[1]]);
      // The model's own time inside the scan that ran it, against the rest of that same scan.
      const model = (r.environments?.elapsedMs ?? 0) / 1000;
      shares.push(model / (b[0] - model));
      envs = r.environments?.model.environments.length ?? 0;
    }
    const ratio = (xs: Array<[number, number]>) => median(xs.map(([p, q]) => q / p));
    console.log(
      `${name}: ${envs} environments; with the model / without: wall ${ratio(wall).toFixed(3)} ×, CPU ${ratio(cpus).toFixed(3)} ×; ` +
        `the model's share of its own scan ${(100 * median(shares)).toFixed(1)} % (medians of ${wall.length}; without: ${median(wall.map((w) => w[0])).toFixed(2)} s wall, ${median(cpus.map((w) => w[0])).toFixed(2)} s CPU)`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

void main();
