/**
 * What the command line accepts: impossible dates, paths that are not files or folders (a FIFO
 * that would block a reader forever, a device, a socket), and symbolic links inside a scanned
 * folder, each reported with what it is instead of being read or silently ignored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../helpers/paths';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; a run that does not end within the timeout is killed and shows as code null. */
function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: 30_000, env: { ...process.env, DOCKER_CONFIG: path.join(cwd, '.no-docker') } }, (err, stdout, stderr) => {
      const killed = (err as { killed?: boolean } | null)?.killed;
      resolve({ code: killed ? null : err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-inputs-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--today', () => {
  it('rejects days that do not exist, as the config rejects them in until:', async () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'image: nginx:1.27\n');
    for (const day of ['2026-02-30', '2026-13-45', '2025-02-29', '2026-1-01']) {
      const r = await run(['check', 'a.yaml', '--no-cache', '--today', day], dir);
      assert.equal(r.code, 2, `${day}: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(`--today must be a date that exists, written YYYY-MM-DD, not "${day}"`));
    }
    const leap = await run(['check', 'a.yaml', '--no-cache', '--today', '2028-02-29'], dir);
    assert.equal(leap.code, 1, leap.stderr);
  });
});

describe('paths that are neither files nor folders', () => {
  let fifo: string;
  let socketPath: string;
  let server: net.Server;
  before(async () => {
    fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    socketPath = path.join(dir, 'sock.yaml');
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const command of ['check', 'pin']) {
    it(`${command}: a FIFO, a device or a socket named on the command line is a usage error, and nothing waits on it`, async () => {
      const cases: Array<[string, RegExp]> = [
        ['pipe.yaml', /pipe\.yaml: not a file or folder \(a FIFO\)/],
        ['/dev/null', /\/dev\/null: not a file or folder \(a device\)/],
        ['sock.yaml', /sock\.yaml: not a file or folder \(a socket\)/],
      ];
      for (const [name, message] of cases) {
        const r = await run([command, name, '--no-cache'], dir);
        assert.notEqual(r.code, null, `${command} ${name} did not end`);
        assert.equal(r.code, 2, `${command} ${name}: ${r.stdout}${r.stderr}`);
        assert.match(r.stdout + r.stderr, message);
      }
    });
  }
});

describe('a repository that plants FIFOs where files are read', () => {
  it('a FIFO as .image-pin.yaml, as --config, as .gitignore above the folder or as Chart.yaml does not hang anything', async () => {
    const repo = path.join(dir, 'fifo-repo');
    fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
    fs.mkdirSync(path.join(repo, 'app', 'chart'), { recursive: true });
    execFileSync('mkfifo', [path.join(repo, '.gitignore')]);
    execFileSync('mkfifo', [path.join(repo, 'app', '.image-pin.yaml')]);
    execFileSync('mkfifo', [path.join(repo, 'app', 'chart', 'Chart.yaml')]);
    fs.writeFileSync(path.join(repo, 'app', 'chart', 'values.yaml'), 'image:\n  repository: 127.0.0.1:9/app\n  tag: ""\n');

    const planted = await run(['check', '.', '--no-cache'], path.join(repo, 'app'));
    assert.notEqual(planted.code, null, 'check ended');
    assert.equal(planted.code, 2, planted.stdout + planted.stderr);
    assert.match(planted.stderr, /\.image-pin\.yaml:1:1: the config file is not a regular file \(a FIFO\)/);

    const explicit = await run(['check', 'values.yaml', '--no-cache', '--config', '../.image-pin.yaml'], path.join(repo, 'app', 'chart'));
    assert.equal(explicit.code, 2, explicit.stdout + explicit.stderr);
    assert.match(explicit.stderr, /not a regular file \(a FIFO\)/);

    fs.rmSync(path.join(repo, 'app', '.image-pin.yaml'));
    const chart = await run(['pin', '.', '--timeout', '1'], path.join(repo, 'app'));
    assert.notEqual(chart.code, null, 'pin ended');
    assert.equal(chart.code, 1, chart.stdout + chart.stderr);
  });

  it('a FIFO that a kustomization names, as a resource or as the kustomization of a folder it names, does not hang the environment model', async () => {
    // Not listed (a FIFO is no file to check), so the model reads them from disk when the kustomization names them.
    const repo = path.join(dir, 'fifo-kustomize');
    fs.mkdirSync(path.join(repo, 'overlay', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'overlay', 'kustomization.yaml'), 'resources:\n  - sub\n  - pipe.yaml\nimages:\n  - name: nginx\n    newTag: "1.2"\n');
    execFileSync('mkfifo', [path.join(repo, 'overlay', 'sub', 'kustomization.yaml')]);
    execFileSync('mkfifo', [path.join(repo, 'overlay', 'pipe.yaml')]);
    const r = await run(['check', '.', '--no-cache'], repo);
    assert.notEqual(r.code, null, 'check ended');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^overlay\/kustomization\.yaml:2:5 note environment sub does not exist \(or holds no kustomization\)$/m);
    assert.match(r.stdout, /^overlay\/kustomization\.yaml:3:5 note environment pipe\.yaml does not exist \(or holds no kustomization\)$/m);
  });
});

describe('symbolic links inside a scanned folder', () => {
  let ws: string;
  let outside: string;
  before(() => {
    ws = path.join(dir, 'ws');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(ws, 'real'), { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(ws, 'real', 'deploy.yaml'), 'image: inside:dev\n');
    fs.writeFileSync(path.join(outside, 'secret.yaml'), 'image: outside:dev\n');
    fs.symlinkSync('real/deploy.yaml', path.join(ws, 'link-in.yaml'));
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(ws, 'link-out.yaml'));
    fs.symlinkSync('real', path.join(ws, 'link-dir'));
    fs.symlinkSync('missing.yaml', path.join(ws, 'dangling.yaml'));
    execFileSync('mkfifo', [path.join(ws, 'real', 'fifo')]);
    fs.symlinkSync('real/fifo', path.join(ws, 'link-fifo.yaml'));
    fs.symlinkSync('real/deploy.yaml', path.join(ws, 'notes.txt'));
    // Neither a linked node_modules (pnpm) nor a gitignored folder link is worth a line.
    fs.symlinkSync('real', path.join(ws, 'node_modules'));
    fs.symlinkSync('real', path.join(ws, 'build'));
    fs.writeFileSync(path.join(ws, '.gitignore'), 'build/\n');
  });

  it('a link to a file inside is checked; every other link is listed as skipped with why', async () => {
    const r = await run(['check', '.', '--format', 'json', '--no-cache'], ws);
    assert.notEqual(r.code, null, 'the scan ended');
    const out = JSON.parse(r.stdout) as { findings: Array<{ file: string; image: string }>; skipped: Array<{ file: string; reason: string }> };
    assert.deepEqual(out.findings.map((f) => [f.file, f.image]).sort(), [
      ['link-in.yaml', 'inside:dev'],
      ['real/deploy.yaml', 'inside:dev'],
    ]);
    assert.deepEqual(out.skipped.map((s) => [s.file, s.reason]).sort(), [
      ['dangling.yaml', 'skipped: symbolic link to nothing (its target does not exist)'],
      ['link-dir', 'skipped: symbolic link to a folder (not followed)'],
      ['link-fifo.yaml', 'skipped: symbolic link to something that is not a file (a FIFO)'],
      ['link-out.yaml', `skipped: symbolic link to a file outside the scanned folder (${fs.realpathSync(path.join(outside, 'secret.yaml'))})`],
    ]);
    assert.equal(r.code, 1);
  });
});
