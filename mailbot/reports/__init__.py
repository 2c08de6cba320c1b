"""Reports for leaders: periodic statistics of the register (`mailbot report`), the printed
register in the Decree 30/2020 form (`mailbot register print`) and scheduled report mail.

    periods.py    2026-Q4 | 2026-H2 | 2026 | 2026-10 | FROM..TO → dates and a Vietnamese label
    figures.py    pure: register rows → every figure of the report
    gather.py     reads the register (store.statistics) for a period and computes the figures
    tables.py     the figures as titled tables with Vietnamese headings (shared by every format)
    chart.py      the PNG chart (matplotlib) for HTML and mail
    render.py     JSON, CSV, HTML; xlsx.py: the workbook with native charts
    register_form.py  the register as Phụ lục IV rows; register_pdf.py, register_xlsx.py print it
    schedule.py   which closed periods are due, and the report mail sent once per period
"""
