import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores: more forks only thrash; integration tests spawn the CLI themselves.
    pool: 'forks',
    maxWorkers: 2,
  },
})
