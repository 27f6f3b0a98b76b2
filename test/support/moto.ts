/** The moto launcher lives in src/sandbox so `npm run demo` (compiled) shares it with the tests. */
export {freePort, type MotoServer, resetMoto, startMoto} from '../../src/sandbox/moto.js'
