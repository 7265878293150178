import { describe, expect, it } from 'vitest';
import { checkRef, checkRepoUrl, repoFolderName } from '../../../src/common/repo-url.js';

describe('repository URLs', () => {
  it.each([
    'https://github.com/acme/app',
    'https://github.com/acme/app.git',
    'ssh://git@github.com/acme/app.git',
    'ssh://git@example.com:2222/srv/app.git',
    'git@github.com:acme/app.git',
    'github.com:acme/app',
  ])('accepts %s', (url) => {
    expect(checkRepoUrl(url)).toBe(url);
  });

  it.each([
    ['--upload-pack=touch /tmp/x', /looks like a command-line option/],
    ['ext::sh -c touch% /tmp/pwned', /whitespace|transport helpers/],
    ['ext::sh', /transport helpers/],
    ['fd::3', /transport helpers/],
    ['file:///tmp/repo', /file: URLs are not allowed/],
    ['/tmp/repo', /local paths/],
    ['../repo', /local paths/],
    ['http://github.com/acme/app', /plain http/],
    ['ftp://example.com/app', /ftp:\/\/ scheme is not allowed/],
    ['https://user:pw@github.com/acme/app', /contains a password/],
    ['https://token@github.com/acme/app', /credentials/],
    ['https://github.com/', /names no repository/],
    ['https://github.com/acme/app\n--upload-pack=x', /whitespace or control/],
    ['git@-oProxyCommand=x:repo', /use https|option/],
    ['$(touch /tmp/x)', /whitespace/],
    ['$(id)', /use https/],
    ['`id`:x', /use https/],
    ['', /empty/],
  ])('refuses %j', (url, why) => {
    expect(() => checkRepoUrl(url)).toThrow(why);
  });

  it('allows file:/// only when asked', () => {
    expect(checkRepoUrl('file:///tmp/repo.git', { allowFile: true })).toBe('file:///tmp/repo.git');
    expect(() => checkRepoUrl('file:relative', { allowFile: true })).toThrow(/file:\/\/\/ URL/);
  });

  it('refuses refs that could be options or are not ref names', () => {
    expect(checkRef('main')).toBe('main');
    expect(checkRef('release/1.2')).toBe('release/1.2');
    expect(checkRef('0123456789abcdef0123456789abcdef01234567')).toHaveLength(40);
    for (const bad of ['-x', '--output=/tmp/x', 'a b', 'a..b', 'x~1', 'x^', 'a:b', 'x.lock', '', 'a\\b']) {
      expect(() => checkRef(bad), bad).toThrow(/Refused git ref/);
    }
  });

  it('names the clone folder after the repository', () => {
    expect(repoFolderName('https://github.com/acme/app.git')).toBe('app');
    expect(repoFolderName('git@github.com:acme/my-app')).toBe('my-app');
    expect(repoFolderName('file:///tmp/x/../..')).toBe('repo');
  });
});
