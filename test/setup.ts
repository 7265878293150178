// Every test process, and every process a test starts, may send packets to loopback only: the magic-packet
// sender refuses any other address while this is set.
process.env.PIA_NET_LOOPBACK_ONLY = '1';
