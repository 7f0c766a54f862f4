// Received messages, in memory for queries and in a JSON-lines file so a restart keeps them.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ReceivedMessage {
  readonly id: number;
  readonly receivedAt: string;
  readonly envelope: { readonly mailFrom: string; readonly rcptTo: readonly string[] };
  readonly messageId: string | undefined;
  readonly subject: string | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly size: number;
  /** Attachments as received: enough to check the bytes arrived intact without storing them twice. */
  readonly attachments: readonly {
    readonly filename: string | undefined;
    readonly contentType: string;
    readonly size: number;
    readonly sha256: string;
  }[];
}

export interface MessageQuery {
  readonly messageId?: string | undefined;
  readonly to?: string | undefined;
}

export class MessageStore {
  private messages: ReceivedMessage[] = [];

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    if (existsSync(file)) {
      this.messages = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ReceivedMessage);
    }
  }

  add(message: Omit<ReceivedMessage, 'id'>): ReceivedMessage {
    const stored = { id: (this.messages.at(-1)?.id ?? 0) + 1, ...message };
    this.messages.push(stored);
    appendFileSync(this.file, `${JSON.stringify(stored)}\n`);
    return stored;
  }

  find(query: MessageQuery): readonly ReceivedMessage[] {
    return this.messages.filter(
      (m) =>
        (query.messageId === undefined || m.messageId === query.messageId) &&
        (query.to === undefined || m.envelope.rcptTo.some((r) => r.includes(query.to ?? ''))),
    );
  }

  clear(): void {
    this.messages = [];
    writeFileSync(this.file, '');
  }
}
