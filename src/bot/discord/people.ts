import type { APIInteractionGuildMember, GuildMember, User } from 'discord.js';

/** The person behind an interaction or message, as PIA names them: `discord:<user id>`. */
export function actorOf(user: User): string {
  return `discord:${user.id}`;
}

/** The name the person shows in the server (nickname), else their global name, else their username. */
export function displayNameOf(user: User, member: GuildMember | APIInteractionGuildMember | null): string {
  if (member && 'displayName' in member) return member.displayName;
  if (member?.nick) return member.nick;
  return user.globalName ?? user.username;
}
