import { z } from 'zod';
import { configSection } from './config-section.js';

/** The audit signing key and the server's log level. */
export const operationConfig = configSection({
  schema: {
    auditSigningKeyFile: z
      .string()
      .describe(
        'Ed25519 PKCS#8 PEM key that signs audit checkpoints, created (mode 0600) with an `install-id` file beside it when missing; empty = `<dataDir>/audit-signing-key.pem`. Servers sharing one PostgreSQL must share it.',
      ),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .describe('Server log level.'),
  },
  defaults: {
    auditSigningKeyFile: '',
    logLevel: 'info',
  },
  environment: {
    auditSigningKeyFile: ['CLEARANCE_AUDIT_SIGNING_KEY_FILE'],
    logLevel: ['CLEARANCE_LOG_LEVEL'],
  },
});
