// The ECS model as AWS published it in the aws-sdk v2 package; the edge's codecs are driven by it.
import { loadModel, type ServiceModel } from '../../contract/index.ts';

export function loadTasksModel(): ServiceModel {
  return loadModel('ecs-2014-11-13');
}
