"""The demo province (演示数据): a deterministic, seeded registry shaped like Zhejiang.

``manage.py seed_demo`` builds it through the registry actions (the only writers of domain
state); :mod:`wufei.demo.accounts` lists the demo accounts, one per role. See docs/demo.md.
"""
