Attribute VB_Name = "xlar"
' xlar: the buttons of the xlar ribbon and of the Start sheet.
' Each Xlar* macro runs one function of the Python package xlar.macros through xlwings' RunPython;
' each Ribbon* macro is the ribbon's callback for the same button. Built into xlar.xlam and
' xlar-starter.xlsm by xlar/addin (python workbooks/build.py); edit this file, not the VBA editor.
Option Explicit

Public Const XLAR_VERSION As String = "@XLAR_VERSION@"

' Validate the workbook and dry-run the Journal; posts nothing.
Sub XlarCheck()
    RunPython "import xlar.macros as m; m.check()"
End Sub

Sub RibbonCheck(control As IRibbonControl)
    XlarCheck
End Sub

' Post the Journal.
Sub XlarPost()
    RunPython "import xlar.macros as m; m.post()"
End Sub

Sub RibbonPost(control As IRibbonControl)
    XlarPost
End Sub

' Post the good Journal lines and mark the bad ones.
Sub XlarPostSkipErrors()
    RunPython "import xlar.macros as m; m.post_skip_errors()"
End Sub

Sub RibbonPostSkipErrors(control As IRibbonControl)
    XlarPostSkipErrors
End Sub

' Apply open entries that share an Applies-to ID.
Sub XlarApply()
    RunPython "import xlar.macros as m; m.apply()"
End Sub

Sub RibbonApply(control As IRibbonControl)
    XlarApply
End Sub

' Reverse the application on the selected row of Applications.
Sub XlarUnapply()
    RunPython "import xlar.macros as m; m.unapply()"
End Sub

Sub RibbonUnapply(control As IRibbonControl)
    XlarUnapply
End Sub

' Read a bank statement file into BankStatement.
Sub XlarImportStatement()
    RunPython "import xlar.macros as m; m.import_statement()"
End Sub

Sub RibbonImportStatement(control As IRibbonControl)
    XlarImportStatement
End Sub

' Propose matches for the open statement lines.
Sub XlarMatch()
    RunPython "import xlar.macros as m; m.match()"
End Sub

Sub RibbonMatch(control As IRibbonControl)
    XlarMatch
End Sub

' Post the statement lines matched with High confidence or marked Manual.
Sub XlarAccept()
    RunPython "import xlar.macros as m; m.accept()"
End Sub

Sub RibbonAccept(control As IRibbonControl)
    XlarAccept
End Sub

' Reconcile the statement on the selected row of BankStatement.
Sub XlarReconcile()
    RunPython "import xlar.macros as m; m.reconcile()"
End Sub

Sub RibbonReconcile(control As IRibbonControl)
    XlarReconcile
End Sub

' Aging, G/L tie-out, statements, suggested reminders (as of AsOfDate).
Sub XlarMonthEnd()
    RunPython "import xlar.macros as m; m.month_end()"
End Sub

Sub RibbonMonthEnd(control As IRibbonControl)
    XlarMonthEnd
End Sub

' Month end, and issue and post the reminders and finance charge memos.
Sub XlarMonthEndIssue()
    RunPython "import xlar.macros as m; m.month_end_issue()"
End Sub

Sub RibbonMonthEndIssue(control As IRibbonControl)
    XlarMonthEndIssue
End Sub

' SEPA direct debit: collect what is due; the pain.008 file goes beside the workbook.
Sub XlarSepaCollect()
    RunPython "import xlar.macros as m; m.sepa()"
End Sub

Sub RibbonSepaCollect(control As IRibbonControl)
    XlarSepaCollect
End Sub

' SEPA: post the collection on the selected row of DirectDebit.
Sub XlarSepaConfirm()
    RunPython "import xlar.macros as m; m.sepa_confirm()"
End Sub

Sub RibbonSepaConfirm(control As IRibbonControl)
    XlarSepaConfirm
End Sub

' Month end with its documents: a PDF per statement, reminder and memo, in a folder beside the workbook.
Sub XlarDocuments()
    RunPython "import xlar.macros as m; m.documents()"
End Sub

Sub RibbonDocuments(control As IRibbonControl)
    XlarDocuments
End Sub

' Which open invoices will be paid late (Outlook sheet).
Sub XlarPredict()
    RunPython "import xlar.macros as m; m.predict()"
End Sub

Sub RibbonPredict(control As IRibbonControl)
    XlarPredict
End Sub

' The collector's worklist (Collections sheet) and the promises on Activities.
Sub XlarCollections()
    RunPython "import xlar.macros as m; m.collections()"
End Sub

Sub RibbonCollections(control As IRibbonControl)
    XlarCollections
End Sub

' Open the xlar documentation.
Sub XlarHelp()
    RunPython "import xlar.macros as m; m.help()"
End Sub

Sub RibbonHelp(control As IRibbonControl)
    XlarHelp
End Sub

' Show the versions of xlar, xlwings and this add-in.
Sub XlarVersion()
    RunPython "import xlar.macros as m; m.version()"
End Sub

Sub RibbonVersion(control As IRibbonControl)
    XlarVersion
End Sub
