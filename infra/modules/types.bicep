// Types shared by the modules.

@export()
@description('Resource tags: string values only, as Azure stores them.')
type Tags = {
  *: string
}

@export()
@description('A storage data-plane role to grant the app identity on the storage account.')
type RoleGrant = {
  @description('Human-readable role name, for the deployment log only.')
  name: string

  @description('Built-in role definition id (a GUID).')
  roleDefinitionId: string
}

@export()
@description('Blob container and table names; they become the Storage__* settings of src/ServerlessCovid.Core/Storage/StorageOptions.cs.')
type StorageNames = {
  xrays: string
  labelled: string
  models: string
  retraining: string
  results: string
  retrainingRuns: string
}

@export()
@description('A workload profile of a Container Apps environment (Consumption, or a serverless GPU type).')
type WorkloadProfile = {
  @description('Name the apps use to select the profile.')
  name: string

  @description('Profile type, e.g. Consumption or Consumption-GPU-NC8as-T4.')
  workloadProfileType: string
}
