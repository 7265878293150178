/**
 * Every error code PIA uses, with the HTTP status it answers and what a person can do next. One table, so the
 * status and the advice live beside the code, and `PiaError` takes only these keys.
 */
export const errors = {
  // --- requests and input ---------------------------------------------------------------------------------------
  invalid_request: { status: 400, next: 'fix the request as the message says' },
  invalid_json: { status: 400, next: 'send a JSON body' },
  invalid_flag: { status: 400, next: 'pia <command> --help shows the flags' },
  usage: { status: 400, next: 'help <command> shows how to write it' },
  config_invalid: { status: 400, next: '.env.example lists every variable with its meaning' },
  invalid_name: { status: 400, next: 'a name is 1-64 of a-z, 0-9 and -' },
  identity_invalid: { status: 400, next: 'use slack:<id>, discord:<id> or email:<address>' },
  role_invalid: { status: 400, next: 'use viewer, operator or admin' },
  prompt_empty: { status: 400, next: 'say what the agent should do' },
  prompt_too_long: { status: 400, next: 'shorten the task text' },
  prompt_option_like: { status: 400, next: 'put "--" before {prompt} in the agent\'s command (PIA_AGENTS / PIA_AGENT_CMD)' },
  argv_empty: { status: 400, next: 'give the command after --, e.g. sh m2 -- uptime' },
  timeout_invalid: { status: 400, next: 'give a time-out between 1 s and 7 days' },
  workspace_invalid: { status: 400, next: 'a workspace is a folder name, not a path' },
  duplicate_machine: { status: 400, next: 'name each machine once' },
  no_machines: { status: 400, next: 'pia machines lists the fleet' },
  repo_url_refused: { status: 400, next: 'use an https:// or ssh repository URL' },
  ref_refused: { status: 400, next: 'use a branch, tag or commit name' },
  fingerprint_invalid: { status: 400, next: 'pia machines trust <m> shows the fingerprint to paste' },
  secureon_invalid: { status: 400, next: 'give 4 or 6 bytes, e.g. 00:11:22:33:44:55' },
  mac_invalid: { status: 400, next: 'give a MAC like aa:bb:cc:dd:ee:ff' },
  wol_target_invalid: { status: 400, next: 'give host:port targets, e.g. 192.168.1.255:9' },
  wol_burst_invalid: { status: 400, next: 'use a whole number of packets and an interval of 0 ms or more' },
  probe_port_invalid: { status: 400, next: 'use TCP ports from 1 to 65535' },
  probe_ports_empty: { status: 400, next: 'give at least one TCP port to probe' },
  limit_invalid: { status: 400, next: 'use a whole number of 1 or more' },
  start_command_invalid: { status: 400, next: 'give the program and its arguments as a JSON array' },
  windows_arg_unsafe: { status: 400, next: 'remove line breaks, NUL bytes and cmd.exe metacharacters' },
  service_arg_invalid: { status: 400, next: 'remove the characters the message names' },
  service_env_invalid: { status: 400, next: 'remove the characters the message names' },
  service_path_invalid: { status: 400, next: 'use an absolute path without quotes' },
  service_user_invalid: { status: 400, next: 'give a user name of letters, digits, ".", "_" and "-"' },
  service_user_unknown: { status: 400, next: 'create the user first (e.g. sudo useradd --create-home <name>)' },
  service_user_conflict: { status: 400, next: 'give either --user <name> or --same-user' },
  service_same_user: { status: 409, next: 'pia worker install-service --user <name> (as root), or --same-user to accept the risk' },
  service_needs_root: { status: 403, next: 'run the same command with sudo, or add --dry-run' },
  service_failed: { status: 500, next: 'run the commands it printed by hand to see why' },
  confirmation_needed: { status: 400, next: 'add --yes to confirm' },
  agent_unknown: { status: 400, next: 'pia machines show <m> lists the agents installed there' },
  agent_cannot_ask: { status: 400, next: 'pick an agent that can ask (claude), or another mode with --mode' },
  agent_session_invalid: { status: 400, next: 'continue a task PIA ran: run <m> --continue <task>' },
  label_unknown: { status: 400, next: 'pia machines show <m> lists a machine\'s labels' },
  cron_invalid: { status: 400, next: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * 1-5"' },
  timezone_invalid: { status: 400, next: 'use an IANA time zone such as Europe/London or UTC' },
  schedule_invalid: { status: 400, next: 'help schedule shows how to write one' },
  approval_invalid: { status: 400, next: 'help approve shows how to answer' },
  // --- who may do what ------------------------------------------------------------------------------------------
  unauthorized: { status: 401, next: 'send Authorization: Bearer $PIA_ADMIN_TOKEN' },
  forbidden: { status: 403, next: 'an admin can give you a role: pia users add <identity> <role>' },
  session_invalid: { status: 401, next: 'sign in again: pia dashboard prints a one-time link' },
  csrf_refused: { status: 403, next: 'reload the dashboard and try again' },
  too_many_attempts: { status: 429, next: 'wait a minute, then try again' },
  link_refused: { status: 403, next: 'pia machines token <m> issues a new join token' },
  // --- things that do not exist ---------------------------------------------------------------------------------
  not_found: { status: 404, next: 'check the name or id' },
  machine_unknown: { status: 404, next: 'pia machines lists the fleet' },
  task_unknown: { status: 404, next: 'pia tasks lists recent tasks' },
  approval_unknown: { status: 404, next: 'pia approvals lists the ones waiting' },
  operation_unknown: { status: 404, next: 'power operations are kept while the hub runs' },
  ref_unknown: { status: 404, next: 'name an existing branch, tag or commit with --ref' },
  schedule_unknown: { status: 404, next: 'pia schedule list shows the schedules' },
  // --- the state does not allow it ------------------------------------------------------------------------------
  machine_exists: { status: 409, next: 'pick another name, or pia machines rm <m> first' },
  alias_taken: { status: 409, next: 'pick another alias' },
  schedule_exists: { status: 409, next: 'pick another name, or pia schedule rm <name> first' },
  no_machine_fits: { status: 409, next: 'pia machines show <m> lists a machine\'s labels; loosen the target or wake a machine' },
  conflict: { status: 409, next: 'try again' },
  task_finished: { status: 409, next: 'the task has already ended' },
  approval_settled: { status: 409, next: 'it was answered already; pia approvals lists the ones waiting' },
  mode_refused: { status: 409, next: 'choose another mode with --mode ask|edits|plan' },
  task_not_running: { status: 409, next: 'only a running task may do this' },
  machine_offline: { status: 409, next: 'pia wake <m> wakes it' },
  worker_not_linked: { status: 409, next: "check the worker's log on that machine" },
  no_session: { status: 409, next: 'start a new task instead of continuing this one' },
  not_an_agent_task: { status: 409, next: 'start a new task instead of continuing this one' },
  agent_cannot_resume: { status: 409, next: 'configure a resume command for that agent' },
  workspace_conflict: { status: 409, next: 'move the folder away or deploy into another workspace' },
  workspace_file_blocked: { status: 409, next: 'rename or remove what has that name in the workspace, then run the task again' },
  branch_diverged: { status: 409, next: 'push or move the local commits, then deploy again' },
  branch_exists: { status: 409, next: 'rename or delete that branch on the machine, then run the task again' },
  worktree_gone: { status: 409, next: 'start a new task instead of continuing this one' },
  repo_empty: { status: 409, next: 'make a first commit in that repository, then run the task again' },
  relay_to_self: { status: 409, next: 'do the work on this machine' },
  relay_too_deep: { status: 409, next: 'finish the work here instead of handing it on' },
  relay_limit: { status: 429, next: 'finish the work here instead of mailing more machines' },
  relay_refused: { status: 403, next: 'an admin can give the requester a role' },
  mac_unknown: { status: 409, next: 'pia machines set <m> --mac <mac>' },
  os_unknown: { status: 409, next: 'pia machines set <m> --os linux|darwin|win32' },
  ssh_no_host: { status: 409, next: 'pia machines set <m> --ip <address>' },
  ssh_no_user: { status: 409, next: 'set PIA_SSH_USER or pia machines set <m> --ssh-user <user>' },
  ssh_no_key: { status: 409, next: 'set PIA_SSH_KEY to a private key the machines accept' },
  host_key_unknown: { status: 409, next: 'pia machines trust <m>' },
  host_key_invalid: { status: 409, next: 'pia machines trust <m> to pin it again' },
  // --- other systems failed -------------------------------------------------------------------------------------
  host_key_mismatch: { status: 502, next: 'check the machine; re-trust it only if its key really changed' },
  ssh_unreachable: { status: 502, next: 'pia doctor <m> shows what stops SSH' },
  ssh_auth_failed: { status: 502, next: "put PIA_SSH_KEY's public key in the machine's authorized_keys" },
  ssh_key_invalid: { status: 502, next: 'check the key file and its passphrase' },
  ssh_failed: { status: 502, next: 'pia doctor <m> shows what stops SSH' },
  ssh_aborted: { status: 409, next: 'start it again' },
  bootstrap_failed: { status: 502, next: "check the start command and the worker's log on that machine" },
  wol_failed: { status: 502, next: 'pia doctor <m> shows what stops a wake' },
  power_command_failed: { status: 502, next: "check the worker's log on that machine" },
  git_failed: { status: 502, next: 'check the repository URL and the machine’s git credentials' },
  git_missing: { status: 502, next: 'install git on that machine' },
  push_failed: { status: 502, next: "check the machine's git credentials for that remote; the branch is kept on the machine" },
  agent_missing: { status: 502, next: 'install the agent on that machine (README: Agents)' },
  spawn_failed: { status: 502, next: 'check the program and its path' },
  mail_failed: { status: 502, next: "check the hub's mail settings (PIA_SMTP_*)" },
  mail_refused: { status: 403, next: 'the message says why' },
  discord_refused: { status: 502, next: "check the bot's token and permissions" },
  slack_api_failed: { status: 502, next: "check the app's token and scopes (slack-app-manifest.yml)" },
  net_loopback_only: { status: 403, next: 'unset PIA_NET_LOOPBACK_ONLY outside tests' },
  hub_unreachable: { status: 503, next: 'start the hub (npm start) or set PIA_URL' },
  worker_unreachable: { status: 503, next: "check that this machine's worker runs" },
  bad_response: { status: 502, next: 'check that PIA_URL points at a PIA hub' },
  // --- too slow -------------------------------------------------------------------------------------------------
  ssh_timeout: { status: 504, next: 'pia doctor <m> shows what stops SSH' },
  worker_timeout: { status: 504, next: "check the worker's log on that machine" },
  wake_timeout: { status: 504, next: 'pia doctor <m> shows what stops a wake' },
  hub_timeout: { status: 504, next: 'try again; the hub may be busy' },
  // --- PIA itself -----------------------------------------------------------------------------------------------
  migrations_invalid: { status: 500, next: 'reinstall PIA: its migrations folder is damaged' },
  state_invalid: { status: 500, next: 'remove the file and enroll again with --join <token>' },
  state_unreadable: { status: 500, next: 'check the state directory’s permissions' },
  internal: { status: 500, next: "see the hub's log" },
  storage_full: { status: 507, next: "free space on the disk of the hub's data directory (PIA_DATA_DIR); nothing already stored is lost" },
} as const satisfies Record<string, { status: number; next: string }>;

/** A stable error code: a key of {@link errors}. */
export type ErrorCode = keyof typeof errors;

/**
 * Errors that cross a module boundary carry a stable `code`; each front end has one place that turns them
 * into words (HTTP status + JSON body, a CLI line, a chat reply).
 */
export class PiaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PiaError';
  }

  /** The HTTP status this error answers. */
  get status(): number {
    return errors[this.code].status;
  }

  /** What a person can do next. */
  get next(): string {
    return errors[this.code].next;
  }
}

/** Whether a string is a known error code (for codes that cross the wire, e.g. from the hub to the CLI). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errors, code);
}

/** Compile-time exhaustiveness check for discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** The message of anything thrown, for logs and replies. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
