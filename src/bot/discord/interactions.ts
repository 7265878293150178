import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { BotCore, Button } from '../port.js';
import type { DiscordChatPort } from './chat-port.js';
import type { DeferredReplies } from './deferred-replies.js';
import { agentChoices, machineChoices } from './machine-choices.js';
import { actorOf, displayNameOf } from './people.js';
import { threadName } from './render-message.js';
import { forLog } from './rest-errors.js';
import { SLASH_COMMAND, commandLine, machineOptionKind } from './slash-commands.js';
import { placeOf } from './where.js';

/** What the interaction handler needs. */
export interface InteractionDeps {
  core: BotCore;
  port: DiscordChatPort;
  replies: DeferredReplies;
  log: Logger;
  machineNames: () => string[];
  /** Agent names for autocomplete: those of the machine picked so far, if any. */
  agentNames: (machine?: string) => string[];
  now: () => number;
}

const actionIds: ReadonlySet<string> = new Set<Button['actionId']>([
  'cancel_task',
  'wake_machine',
  'confirm',
  'dismiss',
  'approve_once',
  'approve_task',
  'approve_always',
  'deny_approval',
  'answer_choice',
]);
const isActionId = (s: string): s is Button['actionId'] => actionIds.has(s);

/**
 * Handles every interaction: `/pia` commands go to the core as command text, buttons as presses, and
 * autocomplete is answered from the machine list. Discord wants an answer within 3 s, so each kind is
 * acknowledged before anything slow happens; failures are logged, never thrown into discord.js.
 */
export function createInteractionHandler(deps: InteractionDeps): (interaction: Interaction) => Promise<void> {
  const { core, port, replies, log } = deps;

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    // Read as text whatever its type: a Boolean option (push) is 'true' or 'false'.
    const line = commandLine(interaction.options.getSubcommand(false) ?? '', (name) => {
      const value = interaction.options.get(name)?.value;
      return value === undefined ? null : String(value);
    });
    if (!line.ok) {
      await interaction.reply({ content: line.problem, flags: MessageFlags.Ephemeral });
      return;
    }
    try {
      await interaction.deferReply();
    } catch (err) {
      // Past 3 s Discord has already told the person it failed; running the command now would surprise them.
      log.warn({ err: forLog(err), text: line.text }, 'discord: could not acknowledge a command in time; not running it');
      return;
    }
    const where = placeOf(interaction.channelId, interaction.channel);
    const reply = { token: interaction.token, where, threadName: threadName(line.text), receivedAt: deps.now() };
    replies.add(reply);
    const bound = port.forInteraction(reply);
    const inbound = {
      actor: actorOf(interaction.user),
      displayName: displayNameOf(interaction.user, interaction.member),
      text: line.text,
      where,
      isReply: false,
    };
    try {
      await core.handle(inbound, bound);
    } catch (err) {
      log.error({ err: forLog(err), text: line.text }, 'discord: the core failed on a command');
      // If the person is still looking at "thinking…", tell them rather than leave it spinning.
      if (replies.isPending(reply)) await bound.post(where, { text: `Something went wrong: ${errorMessage(err)}` }).catch(() => undefined);
    }
  }

  async function onButton(interaction: ButtonInteraction): Promise<void> {
    const sep = interaction.customId.indexOf(':');
    const actionId = sep === -1 ? interaction.customId : interaction.customId.slice(0, sep);
    await interaction.deferUpdate();
    if (!isActionId(actionId)) {
      log.warn({ customId: interaction.customId }, 'discord: a button PIA does not know was pressed');
      return;
    }
    let where = placeOf(interaction.channelId, interaction.channel);
    // A button on a thread's starter message sits in the parent channel; the thread has the message's id.
    if (!where.thread && interaction.message.hasThread) where = { channel: where.channel, thread: interaction.message.id };
    const value = sep === -1 ? '' : interaction.customId.slice(sep + 1);
    const press = { actor: actorOf(interaction.user), actionId, value, where };
    await core.press(press, port);
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const kind = machineOptionKind(interaction.options.getSubcommand(false) ?? '', focused.name);
    // For the agent: those installed on the machine chosen (the first of a list), else the fleet's.
    const picked = (interaction.options.getString('machine') ?? interaction.options.getString('machines') ?? '').split(',')[0]?.trim() || undefined;
    const choices =
      kind === 'agent'
        ? agentChoices(String(focused.value), deps.agentNames(picked))
        : kind
          ? machineChoices(String(focused.value), deps.machineNames(), kind === 'machines')
          : [];
    await interaction.respond(choices);
  }

  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand() && interaction.commandName === SLASH_COMMAND) await onCommand(interaction);
      else if (interaction.isButton()) await onButton(interaction);
      else if (interaction.isAutocomplete() && interaction.commandName === SLASH_COMMAND) await onAutocomplete(interaction);
    } catch (err) {
      log.error({ err: forLog(err) }, 'discord: failed to handle an interaction');
    }
  };
}
