import {joinCommandSpec} from '../../cli/join.js'
import {phaseCommand} from '../../cli/phase-command.js'

/** `kforge join phase <phase> [ENDPOINT]`, generated from src/phases/join/workflow.ts. */
export default phaseCommand(joinCommandSpec)
