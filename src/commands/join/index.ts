import {joinCommandSpec} from '../../cli/join.js'
import {workflowCommand} from '../../cli/phase-command.js'

/** `kforge join ENDPOINT`: the join workflow, generated from src/phases/join/workflow.ts. */
export default workflowCommand(joinCommandSpec)
