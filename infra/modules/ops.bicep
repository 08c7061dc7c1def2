// What ops look at: the hotline workbook and the scheduled-query alerts. Every query lives in
// infra/queries/*.kql, loaded here with loadTextContent, so the files are the single source.

param location string
param namePrefix string

@description('Resource id of the Application Insights component the queries run against (classic tables: customEvents, requests).')
param appInsightsId string

@description('Resource id of the Event Grid system topic that delivers IncomingCall.')
param systemTopicId string

@description('Who gets the alert e-mails; empty = alerts fire without notifying anyone.')
param alertEmail string = ''

param tags object = {}

// Every query the workbook shows; the keys are the {{query:<key>}} placeholders in the workbook JSON.
var queries = {
  'calls-per-hour': loadTextContent('../queries/calls-per-hour.kql')
  'call-outcomes': loadTextContent('../queries/call-outcomes.kql')
  'outcomes-by-flow-version': loadTextContent('../queries/outcomes-by-flow-version.kql')
  'time-to-answer': loadTextContent('../queries/time-to-answer.kql')
  'recognize-failures-by-menu': loadTextContent('../queries/recognize-failures-by-menu.kql')
  'menu-drop-off': loadTextContent('../queries/menu-drop-off.kql')
  languages: loadTextContent('../queries/languages.kql')
  sentiment: loadTextContent('../queries/sentiment.kql')
  'alert-answer-failures': loadTextContent('../queries/alert-answer-failures.kql')
  'alert-recognize-failure-rate': loadTextContent('../queries/alert-recognize-failure-rate.kql')
  'alert-callback-errors': loadTextContent('../queries/alert-callback-errors.kql')
  'alert-calls-stuck': loadTextContent('../queries/alert-calls-stuck.kql')
  'alert-calls-failed': loadTextContent('../queries/alert-calls-failed.kql')
  'alert-app-silent': loadTextContent('../queries/alert-app-silent.kql')
  'outbound-outcomes': loadTextContent('../queries/outbound-outcomes.kql')
  'alert-outbound-failures': loadTextContent('../queries/alert-outbound-failures.kql')
}

// The workbook JSON keeps placeholders inside JSON strings; each query is JSON-escaped on the way in.
var workbookTemplate = replace(loadTextContent('../workbook/hotline.workbook.json'), '{{appInsightsId}}', appInsightsId)
var workbookJson = reduce(
  items(queries),
  workbookTemplate,
  (filled, entry) =>
    replace(
      filled,
      '{{query:${entry.key}}}',
      replace(replace(replace(replace(replace(entry.value, '\\', '\\\\'), '"', '\\"'), '\t', '\\t'), '\r', ''), '\n', '\\n')
    )
)

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, appInsightsId, 'hotline-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'IVR hotline (${namePrefix})'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: workbookJson
    version: '1.0'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}-hotline'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'hotline'
    enabled: true
    emailReceivers: [
      {
        name: 'ops'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Count alerts fire when the query returns more rows than the threshold in the window (fewer, for the absence
// alert); the rate alert reads the metric column the query computes (the query itself skips low-volume windows).
// test/infra/alert-coverage.test.ts checks that every way the code records a call as lost or a callback as
// unprocessed is in one of these queries, or on its commented allow-list.
var alerts = [
  {
    key: 'answer-failures'
    displayName: 'Hotline: calls not answered'
    description: 'Calls lost before they were answered: answerCall failed, the ring window had expired, ACS throttled every answer, or the trigger failed (IncomingCallFailed) and no redelivery answered.'
    severity: 1
    query: loadTextContent('../queries/alert-answer-failures.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    key: 'recognize-failure-rate'
    displayName: 'Hotline: menu input failure rate'
    description: 'More than 30% of recognize operations failed (no input, wrong key, no match...) over 30 minutes.'
    severity: 2
    query: loadTextContent('../queries/alert-recognize-failure-rate.kql')
    timeAggregation: 'Maximum'
    metricMeasureColumn: 'failureRatePercent'
    operator: 'GreaterThan'
    threshold: 30
    windowSize: 'PT30M'
  }
  {
    key: 'callback-errors'
    displayName: 'Hotline: callback errors'
    description: 'Callbacks rejected (authentication, malformed, too large), failing in the function (CallbackFailed), or ignored as unknown.'
    severity: 2
    query: loadTextContent('../queries/alert-callback-errors.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'GreaterThan'
    threshold: 5
    windowSize: 'PT15M'
  }
  {
    key: 'calls-stuck'
    displayName: 'Hotline: calls stuck waiting'
    description: 'A call waited for an ACS event longer than expected (the app reports CallStuck).'
    severity: 1
    query: loadTextContent('../queries/alert-calls-stuck.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    key: 'calls-failed'
    displayName: 'Hotline: calls failed'
    description: 'Answered calls that ended failed (the caller heard the apology), failed transfers, ACS actions failing on live calls.'
    severity: 2
    query: loadTextContent('../queries/alert-calls-failed.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    key: 'app-silent'
    displayName: 'Hotline: app not running'
    description: 'No function ran for 15 minutes although the watchdog runs every 15 s: the app failed to start (often a bad setting) or the host is down.'
    severity: 0
    query: loadTextContent('../queries/alert-app-silent.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'LessThan'
    threshold: 1
    windowSize: 'PT15M'
  }
  {
    key: 'outbound-failures'
    displayName: 'Hotline: outbound calls failing'
    description: 'Outbound call attempts that failed (createCall refused or dropped by ACS, or poisoned in the queue) over 15 minutes.'
    severity: 2
    query: loadTextContent('../queries/alert-outbound-failures.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
    operator: 'GreaterThan'
    threshold: 2
    windowSize: 'PT15M'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in alerts: {
    name: 'alert-${namePrefix}-${alert.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: alert.displayName
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: alert.windowSize
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: alert.timeAggregation
            metricMeasureColumn: alert.metricMeasureColumn
            operator: alert.operator
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: empty(alertEmail) ? [] : [
          actionGroup.id
        ]
      }
    }
  }
]

// Deliveries Event Grid could not make: the app refusing or failing IncomingCall (5xx, timeouts, a host that does
// not start), and events it gave up on. Either one means callers rang and nobody answered. One rule per metric:
// the criteria of one rule must all hold at once, and either metric alone is reason enough.
var deliveryMetrics = [
  {
    key: 'failed-deliveries'
    metricName: 'DeliveryAttemptFailCount'
    description: 'Event Grid failed to deliver IncomingCall to the app (it will retry once).'
  }
  {
    key: 'dropped-events'
    metricName: 'DroppedEventCount'
    description: 'Event Grid dropped IncomingCall events after its retries or their time to live: those callers were never answered.'
  }
]

resource deliveryAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for metric in deliveryMetrics: {
    name: 'alert-${namePrefix}-${metric.key}'
    location: 'global'
    tags: tags
    properties: {
      description: metric.description
      severity: 1
      enabled: true
      scopes: [
        systemTopicId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      targetResourceType: 'Microsoft.EventGrid/systemTopics'
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: metric.key
            metricNamespace: 'Microsoft.EventGrid/systemTopics'
            metricName: metric.metricName
            timeAggregation: 'Total'
            operator: 'GreaterThan'
            threshold: 0
          }
        ]
      }
      actions: empty(alertEmail) ? [] : [
        {
          actionGroupId: actionGroup.id
        }
      ]
    }
  }
]

output workbookId string = workbook.id
output alertRuleNames array = concat(
  [for (alert, i) in alerts: alertRules[i].name],
  [for (metric, i) in deliveryMetrics: deliveryAlerts[i].name]
)
