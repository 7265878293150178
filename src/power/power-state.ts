/** What is known of a machine's power, with the transitions a wake goes through. */
export const powerStates = ['online', 'awake', 'off', 'unknown', 'waking', 'booting', 'starting'] as const;
export type PowerState = (typeof powerStates)[number];
