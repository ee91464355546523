import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference, fetchBadPorts, loadConfig } from '../../src/config.js';

/** Runs `work` with a new empty directory as the working directory (the defaults are relative). */
function inFreshDirectory(work: () => void): void {
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), 'clearance-config-')));
  try {
    work();
  } finally {
    process.chdir(cwd);
  }
}

describe('loadConfig', () => {
  it('layers defaults, environment and flags, flags winning', () => {
    const config = loadConfig({
      env: { CLEARANCE_PORT: '9000', DATABASE_URL: 'postgres://db/x' },
      flags: { port: 9100 },
    });
    expect(config.port).toBe(9100);
    expect(config.database).toBe('postgres://db/x');
    expect(config.host).toBe('127.0.0.1');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps the SQLite file in the data directory unless a database is named', () => {
    inFreshDirectory(() => {
      expect(loadConfig({ env: {} }).database).toBe(`sqlite:${join('.clearance', 'clearance.db')}`);
      const moved = loadConfig({ env: { CLEARANCE_DATA_DIR: '/var/lib/clearance' } });
      expect(moved.database).toBe('sqlite:/var/lib/clearance/clearance.db');
      const named = loadConfig({ env: {}, flags: { dataDir: '/d', database: 'sqlite:/other.db' } });
      expect(named.database).toBe('sqlite:/other.db');
    });
  });

  it('keeps using the records in the old default place until the data directory holds a database', () => {
    inFreshDirectory(() => {
      mkdirSync('.clearance');
      writeFileSync(join('.clearance', 'clearance.db'), '');
      const env = { CLEARANCE_DATA_DIR: 'moved' };
      expect(loadConfig({ env }).database).toBe(`sqlite:${join('.clearance', 'clearance.db')}`);
      mkdirSync('moved');
      writeFileSync(join('moved', 'clearance.db'), '');
      expect(loadConfig({ env }).database).toBe(`sqlite:${join('moved', 'clearance.db')}`);
    });
  });

  it('prefers CLEARANCE_DATABASE over DATABASE_URL', () => {
    const config = loadConfig({
      env: { CLEARANCE_DATABASE: 'sqlite:a.db', DATABASE_URL: 'postgres://b' },
    });
    expect(config.database).toBe('sqlite:a.db');
  });

  it('reports every invalid key at once, naming its environment variable', () => {
    try {
      loadConfig({ env: { CLEARANCE_PORT: 'eighty', CLEARANCE_LOG_LEVEL: 'loud' } });
      expect.unreachable('invalid configuration was accepted');
    } catch (error) {
      const problems = (error as { problems: { message: string; fix: string }[] }).problems;
      expect(problems.map((p) => p.message.split(':')[0]).sort()).toEqual(['logLevel', 'port']);
      expect(problems.find((p) => p.message.startsWith('port'))?.fix).toContain('CLEARANCE_PORT');
    }
  });
});

describe('the governed MLflow aliases', () => {
  const problemsOf = (aliases: string) => {
    try {
      loadConfig({ env: { CLEARANCE_MLFLOW_GOVERNED_ALIASES: aliases } });
      return [];
    } catch (error) {
      return (error as { problems: { message: string; fix: string }[] }).problems;
    }
  };

  it('takes lower-case alias names MLflow takes, each once', () => {
    expect(problemsOf('production,champion,blue-green_2')).toEqual([]);
    const config = loadConfig({ env: { CLEARANCE_MLFLOW_GOVERNED_ALIASES: 'prod , canary' } });
    expect(config.mlflowGovernedAliases).toBe('prod , canary');
  });

  it('refuses one MLflow refuses, one not in folded form, and one given twice, naming the fix', () => {
    const problems = problemsOf(`latest,V7,Production,champion,CHAMPION,${'a'.repeat(256)}`);
    expect(problems.map((p) => p.message)).toEqual([
      "mlflowGovernedAliases: Alias name 'latest' is reserved for lookups. MLflow refuses it as an alias name.",
      "mlflowGovernedAliases: Alias name 'V7' is reserved for lookups. MLflow refuses it as an alias name.",
      "mlflowGovernedAliases: 'Production' is not in lower case; every other spelling of a governed alias is refused, so it must be configured in its folded form.",
      "mlflowGovernedAliases: 'CHAMPION' is not in lower case; every other spelling of a governed alias is refused, so it must be configured in its folded form.",
      "mlflowGovernedAliases: 'CHAMPION' is 'champion' again (the same alias in any case).",
      `mlflowGovernedAliases: Alias name '${'a'.repeat(256)}' is longer than 255 characters. MLflow refuses it as an alias name.`,
    ]);
    expect(problems[2]?.fix).toBe(
      "Write it as 'production' in mlflowGovernedAliases (or CLEARANCE_MLFLOW_GOVERNED_ALIASES).",
    );
    expect(problems[4]?.fix).toContain("Give 'champion' once");
    expect(problems[0]?.fix).toContain("other than 'latest' and 'v<number>'");
    // The list's own shape is still checked first.
    expect(problemsOf('prod;canary').map((p) => p.message)).toEqual([
      'mlflowGovernedAliases: a comma-separated list of aliases',
    ]);
  });
});

describe('the port', () => {
  it('refuses a port HTTP clients will not connect to, naming the fix', () => {
    try {
      loadConfig({ env: {}, flags: { port: 6000 } });
      expect.unreachable('port 6000 was accepted');
    } catch (error) {
      const problems = (error as { problems: { message: string; fix: string }[] }).problems;
      expect(problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^port: 6000 is one HTTP clients refuse to connect to/),
      ]);
      expect(problems[0]?.fix).toContain('--port 8080');
    }
    expect(loadConfig({ env: { CLEARANCE_PORT: '6001' } }).port).toBe(6001);
  });

  it('refuses only ports Node’s fetch refuses before connecting', async () => {
    expect(fetchBadPorts).toContain(6000);
    for (const port of fetchBadPorts) {
      const refusal = await fetch(`http://127.0.0.1:${port}/`).then(
        () => 'answered',
        (error: unknown) => ((error as Error).cause as Error | undefined)?.message,
      );
      expect(refusal, `port ${port}`).toBe('bad port');
      expect(() => loadConfig({ env: {}, flags: { port } }), `port ${port}`).toThrow(
        'The configuration is invalid.',
      );
    }
  });
});

describe('the blob store keys', () => {
  it('reads the S3 store from the environment, path style as a word', () => {
    const config = loadConfig({
      env: {
        CLEARANCE_BLOB_STORE: 's3',
        CLEARANCE_S3_BUCKET: 'evidence',
        CLEARANCE_S3_PREFIX: 'clearance/',
        CLEARANCE_S3_ENDPOINT: 'http://127.0.0.1:9000',
        CLEARANCE_S3_FORCE_PATH_STYLE: 'false',
      },
    });
    expect(config.blobStore).toBe('s3');
    expect(config.s3ForcePathStyle).toBe(false);
    expect(loadConfig({ env: { CLEARANCE_S3_FORCE_PATH_STYLE: 'true' } }).s3ForcePathStyle).toBe(
      true,
    );
    expect(loadConfig({ env: {} }).blobStore).toBe('file');
  });

  it('refuses an OIDC web client without an issuer, an API redirect path and a scope without openid', () => {
    const problemsOf = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig({ env });
      } catch (error) {
        return (error as { problems: { message: string }[] }).problems.map((p) => p.message);
      }
      return expect.unreachable('invalid configuration was accepted');
    };
    expect(problemsOf({ CLEARANCE_OIDC_CLIENT_ID: 'clearance-web' })).toStrictEqual([
      'oidcClientId: needs oidcIssuer, the issuer it is registered at',
    ]);
    const bad = problemsOf({
      CLEARANCE_OIDC_REDIRECT_PATH: '/api/v1/callback',
      CLEARANCE_OIDC_SCOPE: 'profile email',
    });
    expect(bad.map((m) => m.split(':')[0]).sort()).toStrictEqual(['oidcRedirectPath', 'oidcScope']);
    expect(problemsOf({ CLEARANCE_OIDC_REDIRECT_PATH: 'https://evil.example/cb' })[0]).toContain(
      'oidcRedirectPath',
    );
    const config = loadConfig({
      env: { CLEARANCE_OIDC_ISSUER: 'https://id.example.com', CLEARANCE_OIDC_CLIENT_ID: 'web' },
    });
    expect([config.oidcRedirectPath, config.oidcScope, config.oidcResource]).toStrictEqual([
      '/sign-in/oidc',
      'openid',
      '',
    ]);
  });

  it('refuses an upload quota no upload fits in (at most the per-file charge)', () => {
    const problemsOf = (bytes: string) => {
      try {
        loadConfig({ env: { CLEARANCE_UPLOAD_QUOTA_BYTES: bytes } });
      } catch (error) {
        return (error as { problems: { message: string; fix: string }[] }).problems;
      }
      return expect.unreachable('invalid configuration was accepted');
    };
    for (const bytes of ['1', '65536']) {
      const [problem, ...rest] = problemsOf(bytes);
      expect(rest).toStrictEqual([]);
      expect(problem?.message).toBe(
        'uploadQuotaBytes: more than 65536, the charge of each file besides its bytes: at most that, every upload would be refused',
      );
      expect(problem?.fix).toContain('CLEARANCE_UPLOAD_QUOTA_BYTES');
    }
    expect(loadConfig({ env: { CLEARANCE_UPLOAD_QUOTA_BYTES: '65537' } }).uploadQuotaBytes).toBe(
      65537,
    );
  });

  it('takes a principal cache age from 0 (no cache) to 600 s, and refuses one past it or below 0', () => {
    const env = (seconds: string) => ({
      env: { CLEARANCE_PRINCIPAL_CACHE_MAX_AGE_SECONDS: seconds },
    });
    const problemsOf = (seconds: string) => {
      try {
        loadConfig(env(seconds));
      } catch (error) {
        return (error as { problems: { message: string; fix: string }[] }).problems;
      }
      return expect.unreachable(`principalCacheMaxAgeSeconds ${seconds} was accepted`);
    };
    expect(loadConfig({ env: {} }).principalCacheMaxAgeSeconds).toBe(60);
    for (const seconds of [0, 5, 600]) {
      expect(loadConfig(env(String(seconds))).principalCacheMaxAgeSeconds).toBe(seconds);
    }
    // 60000: milliseconds given for seconds, a window of 16 hours.
    for (const seconds of ['601', '60000', '-1', '1.5']) {
      const [problem, ...rest] = problemsOf(seconds);
      expect(rest).toStrictEqual([]);
      expect(problem?.message).toMatch(/^principalCacheMaxAgeSeconds: /);
      expect(problem?.fix).toContain('CLEARANCE_PRINCIPAL_CACHE_MAX_AGE_SECONDS');
    }
    expect(problemsOf('601')[0]?.message).toContain('at most 600 (10 minutes)');
  });

  it('refuses an S3 store without a bucket, with half its credentials or a bad endpoint or prefix', () => {
    const problemsOf = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig({ env });
      } catch (error) {
        return (error as { problems: { message: string; fix: string }[] }).problems;
      }
      return expect.unreachable('invalid configuration was accepted');
    };
    const noBucket = problemsOf({ CLEARANCE_BLOB_STORE: 's3', CLEARANCE_S3_ACCESS_KEY_ID: 'k' });
    expect(noBucket.map((p) => p.message)).toStrictEqual([
      's3Bucket: required when blobStore is s3',
      's3SecretAccessKey: set both s3AccessKeyId and s3SecretAccessKey, or neither',
    ]);
    expect(noBucket[0]?.fix).toContain('CLEARANCE_S3_BUCKET');
    const malformed = problemsOf({
      CLEARANCE_S3_ENDPOINT: 'minio:9000',
      CLEARANCE_S3_PREFIX: 'clearance',
      CLEARANCE_S3_FORCE_PATH_STYLE: 'yes',
    });
    expect(malformed.map((p) => p.message.split(':')[0]).sort()).toStrictEqual([
      's3Endpoint',
      's3ForcePathStyle',
      's3Prefix',
    ]);
    expect(problemsOf({ CLEARANCE_BLOB_STORE: 'nfs' })[0]?.message).toContain('blobStore');
  });
});

describe('docs/reference/config.md', () => {
  it('lists every key exactly as the schema describes it', () => {
    const docs = readFileSync(
      join(import.meta.dirname, '..', '..', 'docs', 'reference', 'config.md'),
      'utf8',
    );
    expect(docs).toContain(configReference());
  });
});
