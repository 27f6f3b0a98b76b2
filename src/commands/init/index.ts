import {workflowCommand} from '../../cli/phase-command.js'
import {initCommandSpec} from '../../phases/init/cli.js'

/** `kforge init`: the init workflow, generated from src/phases/init/workflow.ts. */
export default workflowCommand(initCommandSpec)
