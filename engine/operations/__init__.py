"""What the engine does, as plain functions over an `EngineContext` (`engine.context`): deploy,
publish and adopt versions (`catalog`), start and complete (`steps`), claim, release and hand
over tasks (`tasks`), fire due timers (`firing`), singletons (`singleton`), migrate instances
(`maintenance`) and the read side (`queries`). Every write runs in one unit of work; the façade
`engine.service.Engine` calls these. It may import every room below it.
"""
