import {initCommandSpec} from '../../cli/init.js'
import {phaseCommand} from '../../cli/phase-command.js'

/** `kforge init phase <phase> [<sub-phase>]`, generated from src/phases/init/workflow.ts. */
export default phaseCommand(initCommandSpec)
