import {initCommandSpec} from '../../cli/init.js'
import {workflowCommand} from '../../cli/phase-command.js'

/** `kforge init`: the init workflow, generated from src/phases/init/workflow.ts. */
export default workflowCommand(initCommandSpec)
