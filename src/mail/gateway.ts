import type { Logger } from '../common/logger.js';
import type { Actions } from '../hub/actions/actions.js';
import type { Role } from '../commands/roles.js';
import type { Db } from '../hub/db/database.js';
import type { EventBus } from '../hub/events.js';
import type { Link } from '../hub/link/link.js';
import type { Task } from '../hub/tasks/task.js';
import { createAddressBook, type AddressBook } from './addresses.js';
import type { MailConfig } from './config.js';
import { createImapIntake, type ImapIntake } from './imap-intake.js';
import { createInboundHandler, type InboundHandler } from './inbound-handler.js';
import { createMailReporter } from './mail-reporter.js';
import { createApprovalMailer } from './approval-mail.js';
import { createMailStore } from './mail-store.js';
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

/** What the gateway needs from the hub. */
export interface MailGatewayDeps {
  config: Readonly<MailConfig>;
  db: Db;
  bus: Pick<EventBus, 'on'>;
  /** A machine by name or alias, when it is one of the fleet's (its name, whether it is linked, auto-wake). */
  machine(nameOrAlias: string): { name: string; linked: boolean; autoWake: boolean } | undefined;
  /** A machine's name; a `machine_unknown` error with "did you mean" otherwise. */
  machineNamed(nameOrAlias: string): string;
  roleOf(identity: string): Role | undefined;
  actions: Pick<Actions, 'execute' | 'authorize'>;
  task(id: string): Task | undefined;
  /** A task's stdout and stderr (the log attached to a result). */
  logText(taskId: string): string;
  links: { get(machineId: number): Pick<Link, 'send'> | undefined };
  /** How long an approval waits for an answer (PIA_APPROVAL_TIMEOUT_S), for the approval mail's words. */
  approvalTimeoutS: number;
  log: Logger;
}

/** Creates the gateway: IMAP intake, the handler, the outbox over SMTP and the mail reporter. */
export function createMailGateway(deps: MailGatewayDeps): MailGateway {
  const log = deps.log.child({ component: 'mail' });
  const addresses = createAddressBook(deps.config.pattern);
  const smtp = createSmtpSender(deps.config.smtp);
  const domain = addresses.pattern.split('@')[1] ?? 'pia.invalid';
  const store = createMailStore(deps.db);
  const outbox = createMailOutbox({ db: deps.db, send: smtp.send, log, domain });
  const machines = { get: (name: string) => ({ name: deps.machineNamed(name) }) };
  const relay = createMailRelay({ store, addresses, outbox, machines, tasks: { get: deps.task }, actions: deps.actions, links: deps.links, bus: deps.bus, log });
  const handler = createInboundHandler({
    store,
    config: deps.config,
    addresses,
    machineName: (name) => deps.machine(name)?.name,
    machineState: (name) => deps.machine(name) ?? { linked: false, autoWake: false },
    roleOf: deps.roleOf,
    actions: deps.actions,
    task: deps.task,
    outbox,
    relay,
    log,
  });
  const reporter = createMailReporter({ store, bus: deps.bus, outbox, log, digestMinutes: deps.config.digestMinutes, getTask: deps.task, logText: deps.logText });
  const approvals = createApprovalMailer({ store, bus: deps.bus, outbox, timeoutMin: Math.round(deps.approvalTimeoutS / 60) });
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
      approvals.close();
      relay.close();
      await outbox.close();
      smtp.close();
    },
  };
}
