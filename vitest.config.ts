import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the real-Kubernetes suite has its own config (vitest.real.config.ts); `npm test` runs both
    exclude: ['test/real/**', '**/node_modules/**'],
    // run-temp first: the emulator and every worker start with TMPDIR under the run's directory
    globalSetup: ['test/support/run-temp.ts', 'test/support/global-setup.ts'],
    setupFiles: ['test/support/file-temp.ts'],
    // Generous: end-to-end tests drive the CLI dozens of times; a loaded CI machine must not
    // turn slowness into failures (speed is measured in bench/, never asserted).
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // 2 cores: more forks only thrash; integration tests spawn the CLI themselves.
    pool: 'forks',
    maxWorkers: 2,
  },
})
