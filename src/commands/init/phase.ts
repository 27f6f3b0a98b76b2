import {phaseCommand} from '../../cli/phase-command.js'
import {initCommandSpec} from '../../phases/init/cli.js'

/** `kforge init phase <phase> [<sub-phase>]`, generated from src/phases/init/workflow.ts. */
export default phaseCommand(initCommandSpec)
