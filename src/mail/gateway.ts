import type { Logger } from '../common/logger.js';
import type { Actions } from '../hub/actions/actions.js';
import type { UserStore } from '../hub/auth/users.js';
import type { Db } from '../hub/db/database.js';
import type { EventBus } from '../hub/events.js';
import type { LinkServer } from '../hub/link/link-server.js';
import type { MachineStore } from '../hub/registry/machines.js';
import type { TaskService } from '../hub/tasks/task-service.js';
import type { TaskStore } from '../hub/tasks/task-store.js';
import { createAddressBook, type AddressBook } from './addresses.js';
import type { MailConfig } from './config.js';
import { createImapIntake, type ImapIntake } from './imap-intake.js';
import { createInboundHandler, type InboundHandler } from './inbound-handler.js';
import { createMailReporter } from './mail-reporter.js';
import { createMailRelay, type MailRelay } from './machine-mail.js';
import { createMailOutbox, type MailOutbox } from './smtp-outbox.js';
import { createSmtpSender } from './smtp.js';

/** The email gateway: every machine has an address; mail it a task and it answers in the same thread. */
export interface MailGateway {
  addresses: AddressBook;
  handler: InboundHandler;
  outbox: MailOutbox;
  intake: ImapIntake;
  /** Machine to machine: agents hand work to other machines by mail. */
  relay: MailRelay;
  /** Sends the progress digests that are due now (also runs every minute). */
  sendDigests(): void;
  start(): void;
  stop(): Promise<void>;
}

/** Creates the gateway: IMAP intake, the handler, the outbox over SMTP and the mail reporter. */
export function createMailGateway(deps: {
  config: Readonly<MailConfig>;
  db: Db;
  bus: EventBus;
  machines: MachineStore;
  users: UserStore;
  actions: Actions;
  tasks: TaskService;
  taskStore: TaskStore;
  links: LinkServer;
  log: Logger;
}): MailGateway {
  const log = deps.log.child({ component: 'mail' });
  const addresses = createAddressBook(deps.config.pattern);
  const smtp = createSmtpSender(deps.config.smtp);
  const domain = addresses.pattern.split('@')[1] ?? 'pia.invalid';
  const outbox = createMailOutbox({ db: deps.db, send: smtp.send, log, domain });
  const relay = createMailRelay({ db: deps.db, addresses, outbox, machines: deps.machines, taskStore: deps.taskStore, tasks: deps.tasks, actions: deps.actions, links: deps.links, bus: deps.bus, log });
  const handler = createInboundHandler({ db: deps.db, config: deps.config, addresses, machines: deps.machines, users: deps.users, actions: deps.actions, tasks: deps.tasks, links: deps.links, outbox, relay, log });
  const reporter = createMailReporter({ db: deps.db, bus: deps.bus, outbox, log, digestMinutes: deps.config.digestMinutes, getTask: (id) => deps.taskStore.get(id) });
  const intake = createImapIntake({ imap: deps.config.imap, maxBytes: deps.config.maxBytes, handler, log });
  return {
    addresses,
    handler,
    outbox,
    intake,
    relay,
    sendDigests: () => reporter.sendDigests(),
    start() {
      // Off is allowed (a mailbox only trusted people can write to), but it must never be off unnoticed.
      if (!deps.config.requireAuth) log.warn('mail authentication is off: anyone who can put mail into this mailbox can act as any sender');
      outbox.start();
      intake.start();
    },
    async stop() {
      await intake.stop();
      reporter.close();
      relay.close();
      await outbox.close();
      smtp.close();
    },
  };
}
