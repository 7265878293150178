import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../../src/mail/parse/html-depth.js';

describe('nestsDeeperThan', () => {
  it('counts open elements as the HTML parser would', () => {
    expect(nestsDeeperThan('<div><div><div>x</div></div></div>', 3)).toBe(false);
    expect(nestsDeeperThan('<div><div><div><div>x</div></div></div></div>', 3)).toBe(true);
    // Siblings do not nest; an end tag closes down to its element; a stray end tag is ignored.
    expect(nestsDeeperThan('<b>1</b><b>2</b><b>3</b><b>4</b>', 1)).toBe(false);
    expect(nestsDeeperThan('<div><span><i>x</div><div>y</div></span>', 3)).toBe(false);
  });

  it('does not count void elements, implicitly closed ones, comments or a lone "<"', () => {
    expect(nestsDeeperThan(`${'<br><img src=x><li><td><p>'.repeat(100)}<!-- <div><div> -->a < b`, 1)).toBe(false);
  });

  it('stops at an unterminated tag', () => {
    expect(nestsDeeperThan('<div><div', 1)).toBe(false);
  });
});
