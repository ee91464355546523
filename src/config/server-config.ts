import { z } from 'zod';
import type { Problem } from '../domain/index.js';
import { configSection, type SectionValues } from './config-section.js';

/** Where the server keeps its records and how it listens. */
export const serverConfig = configSection({
  schema: {
    database: z
      .string()
      .min(1)
      .describe(
        'Where the registry keeps its records: `sqlite:<file>` (embedded default: `clearance.db` in `dataDir`; an older install keeps using `.clearance/clearance.db` while `dataDir` holds none) or a `postgres://` URL for several servers sharing one database.',
      ),
    dataDir: z
      .string()
      .min(1)
      .describe(
        'Directory for evidence blobs (content-addressed), the SQLite file and the signing key.',
      ),
    host: z.string().min(1).describe('Interface the HTTP server listens on.'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .describe(
        "TCP port of the HTTP server (0 = any free port). Not one of the Fetch standard's bad ports (6000, 6665–6669, 10080, …): browsers and the CLI refuse to connect to those.",
      ),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .positive()
      .describe('Largest accepted request body; evidence uploads above it are refused with 413.'),
  },
  defaults: {
    // Stands for the SQLite file inside dataDir, wherever that is set (resolved in loadConfig).
    database: 'sqlite:<dataDir>/clearance.db',
    dataDir: '.clearance',
    host: '127.0.0.1',
    port: 8080,
    bodyLimitBytes: 64 * 1024 * 1024,
  },
  environment: {
    database: ['CLEARANCE_DATABASE', 'DATABASE_URL'],
    dataDir: ['CLEARANCE_DATA_DIR'],
    host: ['CLEARANCE_HOST'],
    port: ['CLEARANCE_PORT'],
    bodyLimitBytes: ['CLEARANCE_BODY_LIMIT_BYTES'],
  },
});

/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#bad-port): browsers, Node's
 * fetch and so the CLI refuse to connect to them, so a server there would never be reached.
 */
export const fetchBadPorts: readonly number[] = [
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
];

/** A port browsers and the CLI would refuse to connect to. */
export function portProblems(
  config: Pick<SectionValues<typeof serverConfig.schema>, 'port'>,
): Problem[] {
  if (!fetchBadPorts.includes(config.port)) return [];
  return [
    {
      message: `port: ${config.port} is one HTTP clients refuse to connect to (the Fetch standard's bad ports): browsers and the clearance CLI would never reach the server.`,
      fix: 'Choose another port (--port 8080, CLEARANCE_PORT or port in the config file).',
    },
  ];
}
