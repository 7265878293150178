/**
 * A message as PIA means it, before any front end renders it: a few lines of text in PIA's light markup
 * (see markup.ts), an optional block of preformatted text, and buttons. Chat adapters, mail and the CLI each render it
 * their own way.
 */

/** A button under a message; pressing it comes back to the core as (actionId, value). */
export interface Button {
  /** Approval buttons carry the approval's code (an answer's: `code:choice`). */
  actionId: 'cancel_task' | 'wake_machine' | 'confirm' | 'dismiss' | 'approve_once' | 'approve_task' | 'approve_always' | 'deny_approval' | 'answer_choice';
  label: string;
  value: string;
  style?: 'primary' | 'danger';
}

/** A message as the core means it; each adapter renders it in its platform's format. */
export interface OutMessage {
  /** Short text, a few lines; `**bold**` and `code` spans (see markup.ts). */
  text: string;
  /** Preformatted text shown in a code block (an output tail, a table). */
  code?: string;
  buttons?: Button[];
  /**
   * Ping this person (an identity, `slack:U123`): for what waits on them alone (an approval of their task), never
   * for ordinary progress. An adapter pings only identities of its own platform.
   */
  mention?: string;
}
