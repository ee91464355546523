/**
 * Sends rendered email over SMTP with nodemailer. One SMTP transaction per message, so each
 * person's copy is accepted or refused on its own and the outbox can log and retry it alone.
 */
import { createTransport } from 'nodemailer';
import type { EmailMessage } from './email-message.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Refuse to send unless the server upgrades with STARTTLS. */
  requireTls?: boolean;
  auth?: { user: string; pass: string };
  /** Connection, greeting and socket timeouts, default 10 s each. */
  timeoutMs?: number;
}

export interface EmailSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

export interface EmailSender {
  send(message: EmailMessage): Promise<EmailSendResult>;
  close(): void;
}

function addresses(list: readonly (string | { address: string })[]): string[] {
  return list.map((entry) => (typeof entry === 'string' ? entry : entry.address));
}

export function createEmailSender(config: SmtpConfig): EmailSender {
  const timeout = config.timeoutMs ?? 10_000;
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? false,
    requireTLS: config.requireTls ?? false,
    ...(config.auth === undefined ? {} : { auth: config.auth }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(message) {
      const info = await transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
      });
      return {
        messageId: info.messageId,
        accepted: addresses(info.accepted),
        rejected: addresses(info.rejected),
      };
    },
    close() {
      transport.close();
    },
  };
}
