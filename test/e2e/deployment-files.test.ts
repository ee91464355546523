/**
 * docs/operations.md's deployment files, as written: the systemd unit passes `systemd-analyze
 * verify`, and the nginx site terminates TLS in front of a live server (a self-signed certificate,
 * loopback ports; only addresses and certificate paths replaced): health, an authenticated read and
 * an evidence upload larger than nginx's default body limit go through it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { repoRoot } from '../cli/run-cli.js';
import { createClient } from './http-client.js';
import { type LiveServer, personTokenOn, startLiveServer } from './live-server.js';

const guide = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');

/** The guide's one fenced block of this language. */
function block(language: string): string {
  const found = [...guide.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))];
  if (found.length !== 1) throw new Error(`expected one ${language} block, found ${found.length}`);
  return found[0]?.[1] ?? '';
}

const proxiedPolicy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: proxied, riskTier: low, owner: ml-platform }
roles: [model_owner, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: mlops }]
`;

/** Whether a tool is installed; in CI (.ci/run installs them) a missing one fails instead. */
const has = (command: string) =>
  process.env.CI === 'true' || spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One HTTPS request to the proxy, trusting only the test's certificate. */
function viaProxy(input: {
  port: number;
  ca: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: input.port,
        method: input.method,
        path: input.path,
        ca: input.ca,
        servername: 'clearance.example.com',
        headers: { host: 'clearance.example.com', ...input.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(input.body);
  });
}

describe('the deployment files in docs/operations.md', () => {
  it('the config file loads as the unit uses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-config-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, block('yaml'));
      const config = loadConfig({ file, env: {} });
      expect(config).toMatchObject({
        dataDir: '/var/lib/clearance',
        database: 'sqlite:/var/lib/clearance/clearance.db',
        host: '127.0.0.1',
        port: 8080,
        trustProxy: '127.0.0.1',
        blobStore: 'file',
      });
      expect(block('ini')).toContain(`Environment=CLEARANCE_CONFIG=/etc/clearance/config.yaml`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(has('systemd-analyze'))('the systemd unit verifies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-unit-'));
    try {
      const unit = join(dir, 'clearance.service');
      writeFileSync(unit, block('ini'));
      const verified = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      expect(verified.stderr).toBe('');
      expect(verified.status).toBe(0);
      // The check can fail: a misspelt setting is reported.
      writeFileSync(unit, block('ini').replace('Restart=on-failure', 'Restart=sometimes'));
      const broken = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      expect(broken.stderr).toContain('sometimes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.runIf(has('nginx') && has('openssl'))('the nginx site', () => {
    let server: LiveServer | undefined;
    let nginx: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'clearance-nginx-'));
    afterAll(async () => {
      nginx?.kill('SIGQUIT');
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('terminates TLS and passes health, reads and a 3 MiB evidence upload to the server', async () => {
      server = await startLiveServer(undefined, { CLEARANCE_TRUST_PROXY: '127.0.0.1' });
      const upstream = new URL(server.url).host;
      const [https, http] = [await freePort(), await freePort()];
      const cert = join(dir, 'fullchain.pem');
      const key = join(dir, 'privkey.pem');
      const made = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=clearance.example.com',
        '-addext',
        'subjectAltName=DNS:clearance.example.com',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      expect(made.status).toBe(0);
      const site = block('nginx')
        .replace('server 127.0.0.1:8080;', `server ${upstream};`)
        .replace('listen 443 ssl;', `listen 127.0.0.1:${https} ssl;`)
        .replace('listen 80;', `listen 127.0.0.1:${http};`)
        .replace('/etc/ssl/clearance/fullchain.pem', cert)
        .replace('/etc/ssl/clearance/privkey.pem', key);
      expect(site).not.toMatch(/listen (443|80);|\/etc\/ssl|:8080/);
      mkdirSync(join(dir, 'logs'));
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((name) => `${name}_temp_path ${join(dir, `${name}-temp`)};`)
        .join('\n');
      const conf = join(dir, 'nginx.conf');
      writeFileSync(
        conf,
        `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
error_log ${join(dir, 'logs', 'error.log')};
pid ${join(dir, 'nginx.pid')};
events {}
http {
access_log off;
${temp}
${site}
}
`,
      );
      const tested = spawnSync('nginx', ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
      expect(tested.status, tested.stderr).toBe(0);
      nginx = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
      const ca = readFileSync(cert, 'utf8');
      let health = { status: 0, body: '' };
      // Until nginx answers, with a generous bound: it may start slowly on a loaded machine.
      const healthBy = Date.now() + 30_000;
      while (health.status !== 200 && Date.now() < healthBy) {
        health = await viaProxy({ port: https, ca, method: 'GET', path: '/healthz' }).catch(
          async () => {
            await new Promise((r) => setTimeout(r, 100));
            return { status: 0, body: '' };
          },
        );
      }
      expect(health).toStrictEqual({ status: 200, body: '{"status":"ok"}' });

      const admin = createClient({ server: server.url, token: server.adminToken });
      await admin.call('POST', '/api/v1/models', {
        json: { name: 'proxied', ownerTeam: 'ml-platform', policy: proxiedPolicy },
      });
      const token = await personTokenOn(server, 'ci.pipeline', ['mlops']);
      const auth = { authorization: `Bearer ${token}` };
      const me = await viaProxy({
        port: https,
        ca,
        method: 'GET',
        path: '/api/v1/me',
        headers: auth,
      });
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body)).toMatchObject({ id: 'ci.pipeline' });

      await createClient({ server: server.url, token }).call(
        'POST',
        '/api/v1/models/proxied/versions',
        {
          json: {
            version: 'v1',
            artifactUri: 's3://models/proxied/v1',
            artifactDigest: `sha256:${'2'.repeat(64)}`,
            lineage: {},
          },
        },
      );
      // Over nginx's 1 MiB default: passes only because of client_max_body_size.
      const notes = new TextEncoder().encode(`# Notes\n\n${'x'.repeat(3 * 1024 * 1024)}\n`);
      const uploaded = await viaProxy({
        port: https,
        ca,
        method: 'POST',
        path: '/api/v1/models/proxied/versions/v1/evidence?path=notes.md',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: notes,
      });
      expect(uploaded.status, uploaded.body).toBe(201);
      // Plain HTTP is sent to HTTPS (fetch names the host it dialled, 127.0.0.1).
      const plain = await fetch(`http://127.0.0.1:${http}/healthz`, { redirect: 'manual' });
      expect(plain.status).toBe(301);
      expect(plain.headers.get('location')).toBe('https://127.0.0.1/healthz');
    }, 60_000);
  });
});
