-- Argo CD health check for meetwarden.io/MeetingPlatform (docs/gitops.md).
-- Degraded:    Stalled=True (the spec cannot be realised) or Compliant=False (a control of the
--              gdpr-eu profile fails), with that condition's message.
-- Progressing: no status yet, a generation the operator has not observed, Reconciling=True, or
--              Ready not yet True.
-- Healthy:     Ready=True for the current generation.
-- A condition that carries an older observedGeneration than the object's is ignored: it
-- describes a spec that no longer exists.
-- Argo CD opens only Lua's base, package and table libraries for health checks: no string.*.
local hs = { status = "Progressing", message = "Waiting for the meetwarden operator to report status" }

if obj.status == nil or obj.status.conditions == nil then
  return hs
end

local generation = obj.metadata.generation

local function current(condition)
  return generation == nil or condition.observedGeneration == nil
    or condition.observedGeneration >= generation
end

local conditions = {}
for _, condition in ipairs(obj.status.conditions) do
  if condition.type ~= nil and current(condition) then
    conditions[condition.type] = condition
  end
end

local function message(condition, fallback)
  if condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  return fallback .. " (" .. (condition.reason or "no reason given") .. ")"
end

-- report sets hs to health with the condition's message when the condition has that status.
local function report(health, conditionType, status, fallback)
  local condition = conditions[conditionType]
  if condition == nil or condition.status ~= status then
    return nil
  end
  hs.status = health
  hs.message = message(condition, fallback)
  return hs
end

local degraded = report("Degraded", "Stalled", "True", "The spec cannot be realised")
  or report("Degraded", "Compliant", "False", "The platform does not comply with its profile")
if degraded ~= nil then
  return degraded
end

if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local settled = report("Progressing", "Reconciling", "True", "Reconciling")
  or report("Healthy", "Ready", "True", "Ready")
if settled ~= nil then
  return settled
end

if conditions["Ready"] ~= nil then
  hs.message = message(conditions["Ready"], "Not ready")
else
  hs.message = "Waiting for the Ready condition"
end
return hs
