import { Command } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import { toPlainText } from '../../present/markup.js';
import { resultMessage } from '../../present/views.js';
import type { ApiClient } from '../api-client.js';
import { printJson } from '../output.js';

/** `pia do <command...>`: any chat command, in the same words as in Slack or Discord (`pia do wake m2`). */
export function doCommand(api: () => ApiClient): Command {
  return new Command('do')
    .description('run a chat command as written in Slack or Discord, e.g. pia do status, pia do run m2 "fix it"')
    .argument('<words...>', 'the command')
    .option('--json', 'print the result as JSON')
    .passThroughOptions()
    .action(async (words: string[], opts: { json?: boolean }) => {
      const { result } = await api().post('/api/commands', schemas.command, { text: words.join(' '), origin: 'cli' });
      if (opts.json) return printJson({ result });
      const msg = resultMessage(result);
      process.stdout.write(toPlainText(msg.text) + '\n' + (msg.code ? msg.code + '\n' : ''));
      if (result.kind === 'error' || result.kind === 'refused') process.exitCode = 1;
    });
}
