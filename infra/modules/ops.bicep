// What ops look at: the hotline workbook and the scheduled-query alerts. Every query lives in
// infra/queries/*.kql, loaded here with loadTextContent, so the files are the single source.

param location string
param namePrefix string

@description('Resource id of the Application Insights component the queries run against (classic tables: customEvents, requests).')
param appInsightsId string

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

// Count alerts fire when the query returns more rows than the threshold in the window; the rate
// alert reads the metric column the query computes (the query itself skips low-volume windows).
var alerts = [
  {
    key: 'answer-failures'
    displayName: 'Hotline: calls not answered'
    description: 'IncomingCall events that could not be answered (answerCall failed or the ring window had expired).'
    severity: 1
    query: loadTextContent('../queries/alert-answer-failures.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
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
    threshold: 30
    windowSize: 'PT30M'
  }
  {
    key: 'callback-errors'
    displayName: 'Hotline: callback errors'
    description: 'Callbacks rejected (authentication, malformed, too large) or failing in the function.'
    severity: 2
    query: loadTextContent('../queries/alert-callback-errors.kql')
    timeAggregation: 'Count'
    metricMeasureColumn: null
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
    threshold: 0
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
            operator: 'GreaterThan'
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

output workbookId string = workbook.id
output alertRuleNames array = [for (alert, i) in alerts: alertRules[i].name]
