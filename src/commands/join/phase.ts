import {phaseCommand} from '../../cli/phase-command.js'
import {joinCommandSpec} from '../../phases/join/cli.js'

/** `kforge join phase <phase> [ENDPOINT]`, generated from src/phases/join/workflow.ts. */
export default phaseCommand(joinCommandSpec)
