/** The lab: real SSH hosts on this machine (network namespace + overlay root + sshd). */

export interface LabHost {
  /** Short name and hostname: node1..nodeN. */
  name: string;
  ip: string;
  fqdn: string;
  /** Network namespace: hfx<slot>n<i>. */
  netns: string;
}

export interface LabInfo {
  name: string;
  slot: number;
  stateDir: string;
  inventoryPath: string;
  knownHostsPath: string;
  /** The lab's private key (ed25519, 0600). Its public key is in every host's root authorized_keys. */
  keyPath: string;
  hosts: LabHost[];
}

export interface LabUpOptions {
  /** Default "default". Letters, digits, '-' and '_'. */
  name?: string;
  /** 1..1000 hosts (MAX_HOSTS), started in parallel. */
  count: number;
  /** Default /var/lib/hostforge/lab. */
  stateRoot?: string;
  /** Time allowed for every host to show its SSH banner. Default 15 s + 100 ms a host. */
  timeoutMs?: number;
}

export interface LabDownOptions {
  name?: string;
  /** Every lab: all hf* namespaces and links, every lab directory under stateRoot. */
  all?: boolean;
  stateRoot?: string;
}

export interface LabHostStatus extends LabHost {
  /** The host's init (tini) is alive in its namespace. */
  running: boolean;
}

export interface LabStatus {
  name: string;
  stateDir: string;
  /** up: every host runs; partial: some do, or leftovers exist; down: nothing exists. */
  state: 'up' | 'partial' | 'down';
  slot?: number;
  hosts: LabHostStatus[];
}

/** What state.json holds. */
export interface LabState extends LabInfo {
  version: 1;
  createdAt: string;
  phase: 'starting' | 'up';
  bridge: string;
  bridgeIp: string;
  /** PIDs of the `unshare` processes (informative: teardown works from namespaces and names). */
  pids: Record<string, number>;
}
