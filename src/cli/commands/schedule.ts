import { Command } from 'commander';
import { scheduleTable } from '../../present/views.js';
import { api as schemas, type ScheduleView } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { printJson } from '../output.js';

const write = (text: string) => void process.stdout.write(text);
const describe = (s: ScheduleView) =>
  `${s.name}: \`${s.command}\` at "${s.cron}" ${s.tz}; ${s.state === 'paused' ? `paused (${s.pausedReason ?? ''})` : `next run ${s.nextRunAt ?? '-'}`}${s.report ? `; results to ${s.report}` : ''}\n`;

/** `pia schedule add|list|pause|resume|rm`: commands of the command language run at cron times. */
export function scheduleCommand(api: () => ApiClient): Command {
  const cmd = new Command('schedule').description('run a command at cron times: add, list, pause, resume, rm');

  cmd
    .command('add <name>')
    .description('pia schedule add nightly --cron "0 2 * * 1-5" --tz Europe/London -- run any[gpu] "..."')
    .requiredOption('--cron <expr>', 'five fields: minute hour day-of-month month day-of-week (quote it)')
    .option('--tz <zone>', "IANA time zone (default: the hub's PIA_SCHEDULE_TZ or its own)")
    .option('--report <where>', 'where results go: slack:<channel>, discord:<channel>, mail:<address>')
    .option('--json', 'print JSON')
    .argument('<command...>', 'the command, after --, as typed in chat')
    .action(async (name: string, words: string[], opts: { cron: string; tz?: string; report?: string; json?: boolean }) => {
      const command = (words[0] === '--' ? words.slice(1) : words).map((w) => (/[\s"']/.test(w) ? JSON.stringify(w) : w)).join(' ');
      const { schedule } = await api().post('/api/schedules', schemas.schedule, { name, cron: opts.cron, ...(opts.tz ? { tz: opts.tz } : {}), command, ...(opts.report ? { report: opts.report } : {}) });
      if (opts.json) printJson({ schedule });
      else write(`Scheduled ${describe(schedule)}`);
    });

  cmd
    .command('list', { isDefault: true })
    .description('every schedule with its next run')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { schedules } = await api().get('/api/schedules', schemas.schedules);
      if (opts.json) return printJson({ schedules });
      write(schedules.length ? `${scheduleTable(schedules)}\n` : 'No schedules yet. Add one with: pia schedule add <name> --cron "0 2 * * *" -- run any "..."\n');
    });

  for (const action of ['pause', 'resume'] as const) {
    cmd
      .command(`${action} <name>`)
      .description(action === 'pause' ? 'stop firing it until resumed' : 'fire it again from the next due time')
      .option('--json', 'print JSON')
      .action(async (name: string, opts: { json?: boolean }) => {
        const { schedule } = await api().post(`/api/schedules/${encodeURIComponent(name)}/${action}`, schemas.schedule);
        if (opts.json) printJson({ schedule });
        else write(`${action === 'pause' ? 'Paused' : 'Resumed'} ${describe(schedule)}`);
      });
  }

  cmd
    .command('rm <name>')
    .alias('remove')
    .description('remove a schedule')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = await api().delete(`/api/schedules/${encodeURIComponent(name)}`, schemas.scheduleRemoved);
      if (opts.json) printJson(out);
      else write(`Removed schedule ${out.removed}.\n`);
    });
  return cmd;
}
