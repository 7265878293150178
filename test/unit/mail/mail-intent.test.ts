import { describe, expect, it } from 'vitest';
import { mailCommand } from '../../../src/mail/mail-commands.js';
import { mailIntent } from '../../../src/mail/parse/mail-intent.js';
import { cleanSubject } from '../../../src/mail/parse/subject.js';
import { approvalReply } from '../../../src/mail/parse/approval-reply.js';

const intent = (subject: string, ...body: string[]) => mailIntent({ subject, text: body.join('\n') });

describe('cleanSubject', () => {
  it('strips reply and forward markers and [tags], repeatedly', () => {
    expect(cleanSubject('Re: Fwd: AW: WG: [pia-dev] [EXT] Re[2]: FW: fix it')).toBe('fix it');
    expect(cleanSubject('RE:  SV: Antw: the   build')).toBe('the build');
    expect(cleanSubject('Re:')).toBe('');
    expect(cleanSubject('Regression in the build')).toBe('Regression in the build');
    expect(cleanSubject('Fix [the] thing')).toBe('Fix [the] thing');
  });
});

describe('mailIntent: subject commands', () => {
  it.each(['wake', 'Wake', 'restart', 'shutdown', 'pia sleep'])('"%s" alone is the command for the addressed machine', (subject) => {
    expect(intent(subject)).toEqual({ kind: 'command', text: subject.replace(/^pia /, '').toLowerCase() });
  });

  it.each(['status', 'status m2', 'machines', 'tasks', 'tasks m3', 'whoami', 'help', 'help deploy', 'wake m3', 'Wake all', 'logs k3x9q2mfab', 'cancel k3x9q2mfab', '/pia status'])(
    '"%s" is a command, used as written',
    (subject) => {
      expect(intent(subject, 'Sent from my iPhone')).toEqual({ kind: 'command', text: subject });
    },
  );

  it('strips reply markers before reading the command', () => {
    expect(intent('Re: [PIA] status m2')).toEqual({ kind: 'command', text: 'status m2' });
  });

  it('a reply with new text is a request, not the thread title again', () => {
    expect(intent('Re: status', 'Now restart nginx on it please.', '', 'On Tue, 24 Nov 2026 at 10:02, m2 <m2@pia.example.com> wrote:', '> m2 is online')).toEqual({
      kind: 'run',
      prompt: 'status\n\nNow restart nginx on it please.',
    });
  });

  it('subjects that start with a command word but are prose are prompts', () => {
    expect(intent('Help me fix the login test')).toEqual({ kind: 'run', prompt: 'Help me fix the login test' });
    expect(intent('Restart the build after lunch')).toEqual({ kind: 'run', prompt: 'Restart the build after lunch' });
    expect(intent('Status report for Q4', 'Write it from the CHANGELOG.')).toEqual({ kind: 'run', prompt: 'Status report for Q4\n\nWrite it from the CHANGELOG.' });
  });

  it('prompt-taking commands in the subject are not commands (their text belongs in the body)', () => {
    expect(intent('run m2 fix the test')).toEqual({ kind: 'run', prompt: 'run m2 fix the test' });
    expect(intent('sh m2 -- uptime')).toEqual({ kind: 'run', prompt: 'sh m2 -- uptime' });
  });
});

describe('mailIntent: deploy', () => {
  it('reads repo: and ref: lines anywhere in the new text, and takes them out of the prompt', () => {
    expect(intent('Bump deps', 'Please bump all deps.', '', 'Repo: git@github.com:acme/app.git', 'Branch: develop', '', 'Then run the tests.')).toEqual({
      kind: 'deploy',
      repo: 'git@github.com:acme/app.git',
      ref: 'develop',
      prompt: 'Bump deps\n\nPlease bump all deps.\n\nThen run the tests.',
    });
  });

  it('reads a bare git URL line: ssh://, git@host:path, https .git on any host, owner/repo on known forges', () => {
    expect(intent('', 'ssh://git@git.example.com:2222/team/app.git', 'fix it')).toEqual({ kind: 'deploy', repo: 'ssh://git@git.example.com:2222/team/app.git', prompt: 'fix it' });
    expect(intent('', 'git@gitlab.com:group/sub/app.git', 'fix it')).toEqual({ kind: 'deploy', repo: 'git@gitlab.com:group/sub/app.git', prompt: 'fix it' });
    expect(intent('', 'https://git.example.com/team/app.git', 'fix it')).toEqual({ kind: 'deploy', repo: 'https://git.example.com/team/app.git', prompt: 'fix it' });
    expect(intent('', '<https://codeberg.org/acme/app>', 'fix it')).toEqual({ kind: 'deploy', repo: 'https://codeberg.org/acme/app', prompt: 'fix it' });
  });

  it('leaves other links alone: pages, issues, links inside a sentence', () => {
    for (const line of ['https://blog.example.com/2026/post', 'https://github.com/acme/app/issues/42', 'Clone https://github.com/acme/app and fix it']) {
      expect(intent('Look', line)).toEqual({ kind: 'run', prompt: `Look\n\n${line}` });
    }
  });

  it('prefers a repo: line over a bare URL, which then stays text', () => {
    expect(intent('x', 'https://github.com/acme/other', 'repo: https://github.com/acme/app')).toEqual({
      kind: 'deploy',
      repo: 'https://github.com/acme/app',
      prompt: 'x\n\nhttps://github.com/acme/other',
    });
  });

  it('a deploy with nothing else to say has an empty prompt', () => {
    expect(intent('', 'repo: https://github.com/acme/app')).toEqual({ kind: 'deploy', repo: 'https://github.com/acme/app', prompt: '' });
  });

  it('an invalid URL is no deploy and stays in the prompt as text', () => {
    for (const url of ['--upload-pack=touch/tmp/x', 'ext::sh', 'file:///etc', 'http://github.com/acme/app.git', 'https://user:pw@github.com/acme/app.git', '/srv/git/app.git']) {
      expect(intent('s', `repo: ${url}`)).toEqual({ kind: 'run', prompt: `s\n\nrepo: ${url}` });
    }
    expect(intent('s', 'ssh://-oProxyCommand=x/repo')).toEqual({ kind: 'run', prompt: 's\n\nssh://-oProxyCommand=x/repo' });
  });

  it('an invalid ref makes no deploy at all (not a deploy of some other ref)', () => {
    expect(intent('s', 'repo: https://github.com/acme/app', 'ref: --upload-pack=x')).toEqual({
      kind: 'run',
      prompt: 's\n\nrepo: https://github.com/acme/app\nref: --upload-pack=x',
    });
  });

  it('ignores repo lines inside code fences and in the quoted part', () => {
    const fenced = ['Fix the CI config:', '```yaml', 'repo: https://github.com/acme/app', '```'];
    expect(intent('', ...fenced)).toEqual({ kind: 'run', prompt: fenced.join('\n') });
    expect(intent('Re: x', 'Thanks!', '', 'On Tue, 24 Nov 2026 at 10:02, Ada <ada@example.com> wrote:', '> repo: https://github.com/acme/app')).toEqual({
      kind: 'run',
      prompt: 'x\n\nThanks!',
    });
  });

  it('a ref: line without a repository stays text', () => {
    expect(intent('Check', 'ref: main')).toEqual({ kind: 'run', prompt: 'Check\n\nref: main' });
  });
});

describe('mailIntent: run and empty', () => {
  it('uses whichever of subject and body there is', () => {
    expect(intent('Fix the test')).toEqual({ kind: 'run', prompt: 'Fix the test' });
    expect(intent('Re:', 'Fix the test')).toEqual({ kind: 'run', prompt: 'Fix the test' });
    expect(intent('Fix', 'the test')).toEqual({ kind: 'run', prompt: 'Fix\n\nthe test' });
  });

  it('is empty when nothing new was written', () => {
    expect(intent('Re: ', '', 'Sent from my iPhone')).toEqual({ kind: 'empty' });
    expect(intent('', '> quoted only')).toEqual({ kind: 'empty' });
  });
});

describe('mailIntent: a task per machine', () => {
  const forMachines = (machines: string[], ...body: string[]) => mailIntent({ subject: 'App work', text: body.join('\n'), machines });

  it('gives each addressed machine its own line, the shared text after it', () => {
    expect(forMachines(['m2', 'm3'], 'repo: https://github.com/acme/app', 'm2: fix the tests', 'M3: update the docs', '', 'Open a PR when done.')).toEqual({
      kind: 'deploy',
      repo: 'https://github.com/acme/app',
      prompt: 'App work\n\nOpen a PR when done.',
      tasks: { m2: 'App work\n\nfix the tests\n\nOpen a PR when done.', m3: 'App work\n\nupdate the docs\n\nOpen a PR when done.' },
    });
  });

  it('reads only lines for machines the mail is for, outside code, and the first line of each', () => {
    const out = forMachines(['m2'], 'repo: https://github.com/acme/app', 'Note: be careful', 'm2: first', 'm2: second', '```', 'm2: in code', '```');
    expect(out).toMatchObject({ tasks: { m2: expect.stringContaining('first') } });
    if (out.kind !== 'deploy') throw new Error('not a deploy');
    expect(out.prompt).toContain('Note: be careful');
    expect(out.prompt).toContain('m2: second');
    expect(out.prompt).toContain('m2: in code');
    expect(forMachines(['constructor'], 'repo: https://github.com/acme/app', 'fix it')).not.toHaveProperty('tasks');
  });
});

describe('mailCommand: a deploy mail to two machines, each with its own line', () => {
  it('gives each machine its own task, and a machine without a line the shared one', () => {
    const out = mailIntent({ subject: 'App', text: 'repo: https://github.com/acme/app\nm2: fix the tests\n\nThen open a PR.', machines: ['m2', 'm3'] });
    if (out.kind !== 'deploy') throw new Error('not a deploy');
    expect(mailCommand(out, 'm2', [], '')).toMatchObject({ name: 'deploy', machines: [{ kind: 'name', name: 'm2' }], prompt: 'App\n\nfix the tests\n\nThen open a PR.' });
    expect(mailCommand(out, 'm3', [], '')).toMatchObject({ name: 'deploy', machines: [{ kind: 'name', name: 'm3' }], prompt: 'App\n\nThen open a PR.' });
  });
});

describe('mailIntent: a mode line', () => {
  it('a `mode:` line alone sets the mode and leaves the prompt; one that is not a mode stays text', () => {
    expect(intent('Split the module', 'mode: Plan', 'carefully')).toEqual({ kind: 'run', prompt: 'Split the module\n\ncarefully', mode: 'plan' });
    expect(intent('Update deps', 'repo: https://github.com/acme/app', 'mode: edits')).toMatchObject({ kind: 'deploy', prompt: 'Update deps', mode: 'edits' });
    expect(intent('Go', 'mode: yolo')).toEqual({ kind: 'run', prompt: 'Go\n\nmode: yolo' });
  });

  it('a `push: yes` line alone asks for the branch to be pushed; anything else stays text', () => {
    expect(intent('Fix the typo', 'push: yes', 'in the README')).toEqual({ kind: 'run', prompt: 'Fix the typo\n\nin the README', push: true });
    expect(intent('Update deps', 'repo: https://github.com/acme/app', 'push: yes', 'mode: edits')).toMatchObject({ kind: 'deploy', prompt: 'Update deps', push: true, mode: 'edits' });
    expect(intent('Go', 'push: maybe')).toEqual({ kind: 'run', prompt: 'Go\n\npush: maybe' });
  });
});

describe('approvalReply', () => {
  it('reads the first line of new text as an answer to an approval, nothing else', () => {
    expect(approvalReply('Allow 4KQ2MF\n\nthanks')).toBe('approve 4kq2mf');
    expect(approvalReply('allow 4kq2mf task')).toBe('approve 4kq2mf task');
    expect(approvalReply('deny 4kq2mf run the tests first\n')).toBe('deny 4kq2mf run the tests first');
    expect(approvalReply('answer 4kq2mf 2')).toBe('answer 4kq2mf 2');
    // The quoted approval mail says "allow" too: only what the person wrote counts.
    expect(approvalReply('Looks fine to me\n\nOn Mon, PIA wrote:\n> allow 4kq2mf')).toBeNull();
    expect(approvalReply('> allow 4kq2mf')).toBeNull();
    expect(approvalReply('I would not allow 4kq2mf')).toBeNull();
  });
});
