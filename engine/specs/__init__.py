"""What a designer deploys, read and checked before anything runs: the BPMN source and its forms
(`sources`), the parse into a `ParsedSpec` kept once per content hash (`reading`), the forms'
JSON Schemas and their size bounds (`schemas`, `forms`), the bounded expression language of
gateway conditions (`expressions`), timers and due dates (`schedule`), what a choice means across
versions (`meanings`), lint for designers (`lint`) and version comparison (`versions`). No SQL:
it imports only `engine.base`, SpiffWorkflow's parser and lxml.
"""
