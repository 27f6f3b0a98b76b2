/** The fault proxy lives in src/sandbox so `bench/provision` (compiled) shares it with the tests. */
export * from '../../src/sandbox/fault-proxy.js'
